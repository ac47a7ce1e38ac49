"""`uv run python -m credmarket_infra.demo`: one whole purchase, played over HTTP.

Ops registers a provider; the provider swaps its API key for a token and
publishes a paid offering; a learner finds it by search and buys it; Stripe.js
pays with a test card on the Stripe stand-in; the webhook activates the
enrollment; the provider reports completion; the credential is issued, fetched
and verified; a refund revokes it and verification says so. Every step prints
what it did, the ids, and how long it took.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from credmarket_platform.auth.tokens import mint_token

from credmarket_infra.demo.client import Marketplace
from credmarket_infra.demo.routes import Routes
from credmarket_infra.demo.stripe_js import BROWSER_TEST_KEY, TEST_CARD_OK, confirm_card_payment
from credmarket_infra.gateway.settings import gateway_base_url


class Steps:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.last = self.started

    def done(self, what: str, **ids: object) -> None:
        now = time.perf_counter()
        detail = "  ".join(f"{k}={v}" for k, v in ids.items())
        print(
            f"[{now - self.started:7.2f}s  +{(now - self.last) * 1000:7.0f} ms]  {what}  {detail}"
        )
        sys.stdout.flush()
        self.last = now


def _stack_env(root: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in ("stack.env", "secrets.env"):
        path = root / ".stack" / name
        if path.exists():
            for line in path.read_text().splitlines():
                if "=" in line and not line.startswith("#"):
                    key, value = line.split("=", 1)
                    values[key.strip()] = value.strip()
    return {**values, **os.environ}


def dev_token(secret: str, role: str, subject: str, email: str | None = None) -> str:
    """What the marketplace's identity provider would give a learner or an ops person."""
    return mint_token(
        subject,
        role,  # type: ignore[arg-type]
        issuer="credmarket-dev",
        audience="credmarket",
        secret=secret,
        email=email,
    )


@dataclass(frozen=True)
class PlayedPurchase:
    """What a caller may check further (the Compose check uses the provider's token)."""

    provider_id: str
    provider_token: str
    enrollment_id: str


async def play(market: Marketplace, stripe_api_base: str, jwt_secret: str) -> PlayedPurchase:
    steps = Steps()
    ops = dev_token(jwt_secret, "ops", str(uuid.uuid4()))
    registered = await market.register_provider(
        ops, "Northwind Academy", "courses@northwind.example"
    )
    provider_id = registered["provider"]["id"]
    steps.done("ops registered a provider", provider=provider_id)

    provider = await market.provider_token(registered["api_key"]["key"])
    steps.done("provider exchanged its API key for a token")

    title = f"Data Wrangling {uuid.uuid4().hex[:6]}"
    offering = await market.publish_offering(provider, title, price=4900)
    steps.done(
        "provider published a paid offering",
        offering=offering["id"],
        version=offering["version"],
        price="49.00 EUR",
    )

    learner_id = str(uuid.uuid4())
    learner = dev_token(jwt_secret, "learner", learner_id, email="ada@example.org")
    found: list[dict[str, object]] = []
    # Usually about a second. Once, in a freshly started Compose system, catalog's search
    # had not shown the offering after 15 s (cause not found; the step prints how long it
    # took, so a slow read model shows here before it fails).
    deadline = time.monotonic() + 30
    while not found and time.monotonic() < deadline:
        found = [o for o in await market.search(title) if o["id"] == offering["id"]]
    assert found, "the offering never showed up in search"
    steps.done("learner found it by search", results=len(found))

    # Enrollment learns about offerings from catalog's events: the frontend retries
    # while it answers "not yet" (404, or 409 with Retry-After).
    response = await market.purchase_when_listed(learner, offering["id"], offering["version"])
    assert response.status_code == 201, response.text
    enrollment_id = response.json()["id"]
    steps.done("learner bought it", enrollment=enrollment_id, status=response.json()["status"])

    view = await market.wait_for_enrollment(
        learner,
        enrollment_id,
        lambda v: bool(v["payment"]["client_secret"]),
        what="payments to initiate the PaymentIntent",
    )
    steps.done(
        "payments created the PaymentIntent", intent=view["payment"]["stripe_payment_intent_id"]
    )

    status = await confirm_card_payment(
        market.http,
        stripe_api_base,
        BROWSER_TEST_KEY,
        view["payment"]["client_secret"],
        TEST_CARD_OK,
    )
    steps.done("Stripe.js confirmed the payment with a test card", stripe_status=status)

    view = await market.wait_for_enrollment(
        learner, enrollment_id, lambda v: v["status"] == "active", what="activation"
    )
    steps.done(
        "the webhook activated the enrollment",
        status=view["status"],
        payment=view["payment"]["payment_id"],
    )

    await market.report_completion(provider, enrollment_id)
    steps.done("provider reported completion (passed, 92.5)")

    view = await market.wait_for_enrollment(
        learner, enrollment_id, lambda v: bool(v["credential"]), what="the credential"
    )
    credential_id = view["credential"]["credential_id"]
    share_page = view["credential"]["share_url"]
    steps.done(
        "issuance issued the credential",
        credential=credential_id,
        share=share_page,
    )

    credential = await market.fetch_credential(credential_id)
    steps.done("anyone fetched the credential", type=",".join(credential["type"]))

    report = await market.verify(credential)
    steps.done(
        "verified",
        status=report["status"],
        checks=" ".join(f"{c['name']}:{'ok' if c['passed'] else 'FAIL'}" for c in report["checks"]),
    )
    assert report["status"] == "valid", report

    refund = await market.refund(ops, view["payment"]["payment_id"])
    steps.done("ops refunded the payment in full", refund=refund["id"], amount=refund["amount"])

    await market.wait_for_enrollment(
        learner, enrollment_id, lambda v: v["status"] == "revoked", what="revocation"
    )
    steps.done("the enrollment was revoked")

    deadline = time.monotonic() + 30
    while True:
        report = await market.verify(credential)
        if report["status"] == "revoked" or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    steps.done("verified again", status=report["status"])
    assert report["status"] == "revoked", report
    print(f"\nthe whole purchase took {time.perf_counter() - steps.started:.2f}s")
    return PlayedPurchase(provider_id, provider, enrollment_id)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gateway", help="send every call through this gateway URL")
    args = parser.parse_args()
    env = _stack_env(Path.cwd())
    secret = env.get("CREDMARKET_JWT_DEV_SECRET")
    if not secret:
        sys.exit("no CREDMARKET_JWT_DEV_SECRET: run `./dev up` first")
    stripe_base = env.get("CREDMARKET_STRIPE_API_BASE", "http://127.0.0.1:18420")
    async with httpx.AsyncClient(timeout=30) as http:
        gateway = args.gateway or await _running_gateway(http, env)
        print(f"through {gateway or 'the services directly (no gateway answered)'}\n")
        await play(Marketplace(Routes.local(gateway=gateway), http), stripe_base, secret)


async def _running_gateway(http: httpx.AsyncClient, env: dict[str, str]) -> str | None:
    """The frontend's one origin, when the local stack's gateway answers."""
    url = gateway_base_url(env)
    try:
        live = await http.get(f"{url}/gateway/live", timeout=2)
    except httpx.HTTPError:
        return None
    return url if live.status_code == 200 else None


if __name__ == "__main__":
    asyncio.run(main())
