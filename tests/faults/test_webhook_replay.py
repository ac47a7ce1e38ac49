"""Stripe delivers one `payment_intent.succeeded` event five times at once (and its own
delivery once more): one payment success, one activation, one charge."""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING

import httpx
import pytest
from credmarket_testing.stripe_probe import stripe_event_for
from credmarket_testing.stripe_webhooks import stripe_signature
from credmarket_testing.system import System

if TYPE_CHECKING:
    from credmarket_testing.ledger import Ledger
    from credmarket_testing.shop import Shop
    from credmarket_testing.stripe_probe import StripeProbe

pytestmark = pytest.mark.e2e


async def test_a_succeeded_webhook_delivered_five_times_has_one_effect(
    system: System,
    shop: Shop,
    ledger: Ledger,
    http: httpx.AsyncClient,
    stripe_probe: StripeProbe,
) -> None:
    flow = await shop.fresh_flow()
    await shop.buy(flow)
    await shop.wait_initiated(flow)
    await shop.pay(flow)
    # Stripe's own delivery comes about a second after the confirmation; these five
    # copies of the same event race it and each other.
    event = await stripe_event_for(
        http,
        system.infra.stripe_api_base,
        flow.intent_id,
        "payment_intent.succeeded",
        api_key="sk_test_credmarket_ops",
        created_after=int(time.time()) - 300,
    )
    assert event["data"]["object"]["status"] == "succeeded"
    payload = json.dumps(event, indent=2, sort_keys=True).encode()
    url = f"{system.url('payments')}/v1/stripe/webhook"

    async def deliver() -> httpx.Response:
        return await http.post(
            url,
            content=payload,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": stripe_signature(payload, system.webhook_secret),
            },
        )

    answers = await asyncio.gather(*(deliver() for _ in range(5)))
    assert [a.status_code for a in answers] == [200] * 5, [a.text for a in answers]
    first_deliveries = [a for a in answers if not a.json()["duplicate"]]
    # Exactly one, unless Stripe's own delivery was quicker than all five.
    assert len(first_deliveries) <= 1, [a.json() for a in answers]

    await shop.wait_active(flow)
    # Stripe's own delivery of that event (to the system, then to the probe) is done too.
    await stripe_probe.wait_for(flow.intent_id)

    recorded = await system.query(
        "payments", "SELECT count(*) AS n FROM stripe_events WHERE id = $1", event["id"]
    )
    assert recorded[0]["n"] == 1

    await shop.complete(flow)
    await shop.wait_credential(flow)
    # One succeeded event, one activation, one charge, handled once each: the ledger.
    await ledger.check_completed([flow])
