"""The people of a marketplace under test, and the moves they make over HTTP."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from credmarket_infra.demo.client import Marketplace
from credmarket_infra.demo.stripe_js import BROWSER_TEST_KEY, confirm_card_payment

from credmarket_testing.system import System
from credmarket_testing.wait import wait_until


@dataclass(frozen=True)
class Provider:
    id: str
    token: str


@dataclass(frozen=True)
class Learner:
    id: str
    email: str
    token: str


def new_learner(system: System) -> Learner:
    learner_id = str(uuid.uuid4())
    email = f"learner-{learner_id[:8]}@example.org"
    return Learner(learner_id, email, system.token("learner", learner_id, email=email))


async def new_provider(system: System, market: Marketplace) -> Provider:
    """Registered by ops; signed in with its API key as a provider's script would."""
    registered = await market.register_provider(
        system.token("ops"), f"Academy {uuid.uuid4().hex[:6]}", "courses@academy.example"
    )
    token = await market.provider_token(registered["api_key"]["key"])
    return Provider(id=registered["provider"]["id"], token=token)


async def buy(market: Marketplace, learner: Learner, offering: dict[str, Any]) -> dict[str, Any]:
    """Purchase, retrying while enrollment has not yet heard of the offering.

    Enrollment learns offerings from catalog's events, so right after publishing it
    may answer 404 (unknown offering) or 409 with Retry-After (version not yet seen).
    """
    response: httpx.Response | None = None

    async def listed() -> bool:
        nonlocal response
        response = await market.purchase(learner.token, offering["id"], offering["version"])
        not_yet = response.status_code == 404 or (
            response.status_code == 409 and "retry-after" in response.headers
        )
        return not not_yet

    with contextlib.suppress(AssertionError):  # still unknown: the answer below says so
        await wait_until(listed, timeout=20, interval=0.1)
    assert response is not None
    if response.status_code != 201:
        raise AssertionError(f"purchase refused: {response.status_code} {response.text}")
    body: dict[str, Any] = response.json()
    return body


async def pay(
    market: Marketplace, system: System, learner: Learner, enrollment_id: str, card: str
) -> tuple[dict[str, Any], str]:
    """Wait for the client secret, then pay as Stripe.js would; (enrollment view, intent status)."""
    view = await market.wait_for_enrollment(
        learner.token,
        enrollment_id,
        lambda v: bool(v["payment"]["client_secret"]),
        what="the PaymentIntent's client secret",
    )
    status = await confirm_card_payment(
        market.http,
        system.infra.stripe_api_base,
        BROWSER_TEST_KEY,
        view["payment"]["client_secret"],
        card,
    )
    return view, status
