"""The learner cancels while the card payment is already going through: the money
comes back by itself, once, and the enrollment stays cancelled."""

from __future__ import annotations

import json
import uuid

import pytest
from credmarket_events.enrollment import RefundRequestedV1
from credmarket_infra.demo.client import Marketplace
from credmarket_testing.actors import Learner, Provider, buy, pay
from credmarket_testing.stripe_probe import (
    register_stripe_webhook,
    stripe_event_for,
    stripe_refunds_of,
)
from credmarket_testing.stripe_webhooks import stripe_signature
from credmarket_testing.system import System
from credmarket_testing.wait import wait_until

pytestmark = pytest.mark.e2e

GOOD_CARD = "4242424242424242"
STRIPE_KEY = "sk_test_credmarket_e2e"


async def hold_webhooks(system: System) -> None:
    """Stripe's delivery is late (it retries, or 3-D Secure was slow): nothing arrives
    until the test delivers it, so the learner's cancel lands first."""
    await register_stripe_webhook(
        system.infra.stripe_api_base,
        system.prefix,
        "http://127.0.0.1:9/held",
        system.webhook_secret,
        events=[],
    )


async def test_paid_after_the_learner_cancelled_is_refunded_once_and_stays_cancelled(
    system: System, market: Marketplace, provider: Provider, learner: Learner
) -> None:
    offering = await market.publish_offering(provider.token, "Second Thoughts", price=4200)
    enrollment = await buy(market, learner, offering)
    eid = enrollment["id"]
    await hold_webhooks(system)
    try:
        view, status = await pay(market, system, learner, eid, GOOD_CARD)
        assert status == "succeeded"
        cancelled = await market.cancel(learner.token, eid)
        assert cancelled["status"] == "cancelled"
    finally:
        await system.register_webhook()
    intent_id = view["payment"]["stripe_payment_intent_id"]
    payment_id = uuid.UUID(view["payment"]["payment_id"])

    # Stripe's late delivery of the success, signed with the system's webhook secret.
    # Payments may have learned of the success already, when Stripe refused to cancel
    # the paid intent; either way the payment succeeds once.
    event = await stripe_event_for(
        market.http,
        system.infra.stripe_api_base,
        intent_id,
        "payment_intent.succeeded",
        api_key=STRIPE_KEY,
    )
    payload = json.dumps(event).encode()
    delivered = await market.http.post(
        f"{system.url('payments')}/v1/stripe/webhook",
        content=payload,
        headers={
            "Stripe-Signature": stripe_signature(payload, system.webhook_secret),
            "Content-Type": "application/json",
        },
    )
    assert delivered.status_code == 200, delivered.text

    async def refunded() -> bool:
        rows = await system.query(
            "payments", "SELECT amount_refunded FROM payments WHERE id = $1", payment_id
        )
        return bool(rows) and rows[0]["amount_refunded"] == 4200

    await wait_until(refunded, timeout=30, message="the payment was not refunded")
    settled = await market.wait_for_enrollment(
        learner.token,
        eid,
        lambda v: v["payment"]["needs_refund"] is False,
        what="needs_refund cleared by the refund",
    )
    assert settled["status"] == "cancelled"
    assert settled["revoked_at"] is None

    [at_stripe] = await stripe_refunds_of(
        market.http, system.infra.stripe_api_base, intent_id, api_key=STRIPE_KEY
    )
    assert at_stripe["amount"] == 4200
    refunds = await system.query(
        "payments",
        "SELECT origin, reason, status, stripe_refund_id FROM refunds WHERE payment_id = $1",
        payment_id,
    )
    assert [dict(r) for r in refunds] == [
        {
            "origin": "enrollment",
            "reason": "enrollment_cancelled_before_payment",
            "status": "succeeded",
            "stripe_refund_id": at_stripe["id"],
        }
    ]
    asked = await system.query(
        "enrollment",
        "SELECT count(*) AS n FROM outbox WHERE event_type = $1 AND key = $2",
        RefundRequestedV1.event_type,
        eid,
    )
    assert asked[0]["n"] == 1
