"""The Kafka broker stopped in the middle of purchases and started again: every service's
relay and consumers reconnect, what was committed during the outage is delivered, and
the purchases complete once each."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from credmarket_events.catalog import OfferingPublishedV1
from credmarket_events.payments import PaymentSucceededV1
from credmarket_testing.system import System
from credmarket_testing.wait import wait_until

if TYPE_CHECKING:
    from credmarket_testing.broker import LocalBroker
    from credmarket_testing.ledger import Ledger
    from credmarket_testing.shop import Shop
    from credmarket_testing.stripe_probe import StripeProbe

pytestmark = pytest.mark.e2e


async def unsent(system: System, service: str, event_type: str, key: str) -> int:
    rows = await system.query(
        service,
        "SELECT count(*) AS n FROM outbox WHERE event_type = $1 AND key = $2 AND sent_at IS NULL",
        event_type,
        key,
    )
    return int(rows[0]["n"])


async def test_broker_restart_mid_flow_loses_and_doubles_nothing(
    system: System, shop: Shop, ledger: Ledger, broker: LocalBroker, stripe_probe: StripeProbe
) -> None:
    # Journey A: bought and its PaymentIntent made before the outage.
    a = await shop.fresh_flow()
    await shop.buy(a)
    await shop.wait_initiated(a)

    await broker.stop()
    try:
        # During the outage the HTTP side keeps working; what it causes waits in outboxes.
        await shop.pay(a)
        await stripe_probe.wait_for(a.intent_id)  # the webhook reached payments first
        view = await shop.market.enrollment(a.learner_token, a.enrollment_id)
        assert view["status"] == "pending_payment", view
        payment = await system.query(
            "payments",
            "SELECT id::text, status FROM payments WHERE stripe_payment_intent_id = $1",
            a.intent_id,
        )
        assert payment[0]["status"] == "succeeded"
        assert (
            await unsent(system, "payments", PaymentSucceededV1.event_type, payment[0]["id"]) == 1
        )
        # Journey B: its provider and offering are registered while Kafka is away.
        b_provider = await shop.new_provider("Outage Academy")
        b_offering = await shop.new_offering(b_provider)
        assert (
            await unsent(system, "catalog", OfferingPublishedV1.event_type, b_offering["id"]) == 1
        )
    finally:
        await broker.start()

    # Every relay and consumer group has to be back for these to finish.
    b = shop.learner(b_provider, b_offering)
    await shop.wait_active(a)
    await shop.buy(b)
    await shop.wait_initiated(b)
    await shop.pay(b)
    await shop.wait_active(b)
    await shop.complete(a)
    await shop.complete(b)
    await shop.wait_credential(a)
    await shop.wait_credential(b)
    for flow in (a, b):
        report = await shop.verify(flow)
        assert report["status"] == "valid", report

    async def all_ready() -> bool:
        for procs in system.replicas.values():
            for p in procs:
                r = await shop.http.get(f"{p.base_url}/readyz")
                if r.status_code != 200:
                    return False
        return True

    await wait_until(all_ready, timeout=15, message="services not ready after the outage")
    await ledger.check_completed([a, b])
