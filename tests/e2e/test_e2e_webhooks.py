"""A provider's LMS hears of its learners: a webhook endpoint registered through the
gateway receives, signed per Standard Webhooks, the activation of a purchase and the
credential issued after completion (ADR 0023)."""

from __future__ import annotations

import uuid

import pytest
from credmarket_events.enrollment import EnrollmentActivatedV1
from credmarket_events.issuance import CredentialIssuedV1
from credmarket_infra.demo.client import Marketplace, ok
from credmarket_infra.demo.stripe_js import TEST_CARD_OK
from credmarket_testing.actors import Learner, Provider, buy, pay
from credmarket_testing.system import System
from credmarket_testing.wait import wait_until
from credmarket_testing.webhook_receiver import running_receiver

pytestmark = pytest.mark.e2e

ACTIVATED = EnrollmentActivatedV1.event_type
ISSUED = CredentialIssuedV1.event_type


async def test_a_providers_endpoint_hears_of_the_purchase_and_of_the_credential(
    system: System, market: Marketplace, provider: Provider, learner: Learner
) -> None:
    headers = {"Authorization": f"Bearer {provider.token}"}
    async with running_receiver() as rx:
        created = ok(
            await market.http.post(
                market.routes.url("catalog", f"/v1/providers/{provider.id}/webhook-endpoints"),
                json={"url": rx.url, "event_types": [ACTIVATED, ISSUED]},
                headers=headers,
            ),
            201,
        )
        rx.secrets["provider"] = created["secret"]
        endpoint_id = created["endpoint"]["id"]

        offering = await market.publish_offering(
            provider.token, f"Webhooks {uuid.uuid4().hex[:6]}", price=2900
        )
        enrollment = await buy(market, learner, offering)
        _, status = await pay(market, system, learner, enrollment["id"], TEST_CARD_OK)
        assert status == "succeeded"

        await wait_until(
            lambda: bool(rx.of_type(ACTIVATED)), timeout=60, message="no activation webhook"
        )
        [activated] = rx.of_type(ACTIVATED)
        assert activated.event["data"]["enrollment_id"] == enrollment["id"]
        assert activated.event["data"]["provider_id"] == provider.id
        assert activated.event["data"]["via"] == "payment"
        assert activated.verified_by == {"provider"}

        await market.report_completion(provider.token, enrollment["id"], passed=True, score=90)
        await wait_until(
            lambda: bool(rx.of_type(ISSUED)), timeout=60, message="no credential webhook"
        )
        [issued] = rx.of_type(ISSUED)
        assert issued.event["data"]["enrollment_id"] == enrollment["id"]
        assert "/credentials/" in issued.event["data"]["public_url"]
        assert [d.event["type"] for d in rx.deliveries] == [ACTIVATED, ISSUED]
        assert rx.unverified == 0

        # The delivery log, through the gateway, shows both delivered at the first try. The
        # worker records a delivery once the receiver has answered, so the receiver can see
        # the credential's message a moment before the log does.
        async def delivery_log() -> list[tuple[str, str, int]]:
            log = ok(
                await market.http.get(
                    market.routes.url("catalog", f"/v1/webhook-endpoints/{endpoint_id}/messages"),
                    headers=headers,
                )
            )
            return [(m["event_type"], m["status"], m["attempts"]) for m in log["items"]]

        async def both_settled() -> bool:
            return all(status != "pending" for _, status, _ in await delivery_log())

        await wait_until(both_settled, timeout=30, message="deliveries not recorded")
        assert await delivery_log() == [
            (ISSUED, "delivered", 1),
            (ACTIVATED, "delivered", 1),
        ]
