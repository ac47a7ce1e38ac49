"""Enrollments that end before they are paid: the learner cancels, or the deadline passes."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from credmarket_infra.demo.client import Marketplace
from credmarket_testing.actors import Learner, Provider, buy
from credmarket_testing.infra import Infra
from credmarket_testing.running import running_system
from credmarket_testing.system import System
from credmarket_testing.wait import wait_until

pytestmark = pytest.mark.e2e

# A short payment window, so the deadline test waits seconds, not half an hour.
PAYMENT_WINDOW_S = 8


@pytest.fixture(scope="module")
async def system(infra: Infra, request: pytest.FixtureRequest) -> AsyncIterator[System]:
    """This module's own marketplace: the deadline is short here and nowhere else."""
    async with running_system(
        infra,
        request,
        CREDMARKET_ENROLLMENT_PAYMENT_WINDOW_S=str(PAYMENT_WINDOW_S),
        CREDMARKET_ENROLLMENT_SWEEP_INTERVAL_S="1",
    ) as running:
        yield running


async def intent_status(system: System, intent_id: str) -> str:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(
            f"{system.infra.stripe_api_base}/v1/payment_intents/{intent_id}",
            headers={"Authorization": "Bearer sk_test_credmarket_e2e"},
        )
        response.raise_for_status()
        return str(response.json()["status"])


async def test_learner_cancels_and_the_payment_intent_is_cancelled_at_stripe(
    system: System, market: Marketplace, provider: Provider, learner: Learner
) -> None:
    offering = await market.publish_offering(provider.token, "Maybe Later", price=3900)
    enrollment = await buy(market, learner, offering)
    view = await market.wait_for_enrollment(
        learner.token, enrollment["id"], lambda v: bool(v["payment"]["stripe_payment_intent_id"])
    )
    intent = view["payment"]["stripe_payment_intent_id"]

    cancelled = await market.cancel(learner.token, enrollment["id"])
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancel_reason"] == "learner_cancelled"
    await wait_until(
        lambda: _is(system, intent, "canceled"), timeout=20, message="intent not cancelled"
    )
    # Cancelled means the place is free again: the learner may buy once more.
    again = await buy(market, learner, offering)
    assert again["id"] != enrollment["id"]


async def _is(system: System, intent: str, status: str) -> bool:
    return await intent_status(system, intent) == status


async def test_an_unpaid_enrollment_is_cancelled_when_the_deadline_passes(
    system: System, market: Marketplace, provider: Provider, learner: Learner
) -> None:
    offering = await market.publish_offering(provider.token, "Forgotten Course", price=1500)
    enrollment = await buy(market, learner, offering)
    assert enrollment["payment_deadline"]
    view = await market.wait_for_enrollment(
        learner.token,
        enrollment["id"],
        lambda v: v["status"] == "cancelled",
        timeout_s=PAYMENT_WINDOW_S + 20,
        what="the deadline sweep",
    )
    assert view["cancel_reason"] == "payment_deadline_passed"
    intent = view["payment"]["stripe_payment_intent_id"]
    assert intent
    await wait_until(
        lambda: _is(system, intent, "canceled"), timeout=20, message="intent not cancelled"
    )

    # Payments calls Stripe first and records the outcome after (ADR 0020): the row
    # follows the intent, so it is waited for, not read at once.
    async def recorded_cancelled() -> bool:
        rows = await system.query(
            "payments",
            "SELECT status FROM payments WHERE enrollment_id = $1",
            uuid.UUID(enrollment["id"]),
        )
        return [r["status"] for r in rows] == ["cancelled"]

    await wait_until(recorded_cancelled, timeout=20, message="payment not recorded cancelled")
