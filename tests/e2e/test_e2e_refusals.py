"""What the marketplace refuses: forged webhooks, other people's things, no token."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from credmarket_infra.demo.client import Marketplace
from credmarket_testing.actors import Learner, Provider, buy, new_learner, new_provider
from credmarket_testing.stripe_webhooks import stripe_signature
from credmarket_testing.system import System

pytestmark = pytest.mark.e2e


async def test_a_forged_webhook_is_refused_and_changes_nothing(
    system: System, market: Marketplace, provider: Provider, learner: Learner
) -> None:
    offering = await market.publish_offering(provider.token, "Forgery Target", price=2900)
    enrollment = await buy(market, learner, offering)
    view = await market.wait_for_enrollment(
        learner.token, enrollment["id"], lambda v: bool(v["payment"]["stripe_payment_intent_id"])
    )
    intent = view["payment"]["stripe_payment_intent_id"]
    event = {
        "id": f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": intent,
                "object": "payment_intent",
                "status": "succeeded",
                "amount": 2900,
                "currency": "eur",
                "metadata": {},
            }
        },
    }
    payload = json.dumps(event).encode()
    url = market.routes.url("payments", "/v1/stripe/webhook")
    for signature in (
        stripe_signature(payload, "whsec_not_the_secret"),  # forged
        stripe_signature(payload, system.webhook_secret, int(time.time()) - 3600),  # stale
        None,  # unsigned
    ):
        headers = {"Content-Type": "application/json"}
        if signature:
            headers["Stripe-Signature"] = signature
        response = await market.http.post(url, content=payload, headers=headers)
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    after = await market.enrollment(learner.token, enrollment["id"])
    assert after["status"] == "pending_payment"
    recorded = await system.query(
        "payments", "SELECT count(*) AS n FROM stripe_events WHERE id = $1", event["id"]
    )
    assert recorded[0]["n"] == 0


async def test_another_learner_and_another_provider_are_refused(
    system: System, market: Marketplace, provider: Provider, learner: Learner
) -> None:
    offering = await market.publish_offering(provider.token, "Private Things", price=0)
    enrollment = await buy(market, learner, offering)
    intruder = new_learner(system)
    other_provider = await new_provider(system, market)
    url = market.routes.url("enrollment", f"/v1/enrollments/{enrollment['id']}")

    seen = await market.http.get(url, headers={"Authorization": f"Bearer {intruder.token}"})
    assert seen.status_code == 404
    cancel = await market.http.post(
        f"{url}/cancel",
        headers={"Authorization": f"Bearer {intruder.token}", "Idempotency-Key": "x1"},
    )
    assert cancel.status_code == 404
    completion = await market.http.post(
        f"{url}/completion",
        json={"passed": True},
        headers={"Authorization": f"Bearer {other_provider.token}", "Idempotency-Key": "x2"},
    )
    assert completion.status_code in (403, 404)
    edit = await market.http.patch(
        market.routes.url("catalog", f"/v1/provider/offerings/{offering['id']}"),
        json={"title": "Taken over"},
        headers={"Authorization": f"Bearer {other_provider.token}", "Idempotency-Key": "x3"},
    )
    assert edit.status_code == 404
    anonymous = await market.http.get(url)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    # And the owner still sees it unchanged.
    mine = await market.enrollment(learner.token, enrollment["id"])
    assert mine["status"] == "active"
