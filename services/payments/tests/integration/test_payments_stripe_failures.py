"""Stripe refusing a PaymentIntent (4xx) dead-letters the request at once, with Stripe's
words; Stripe failing (5xx) is retried for as long as it lasts, the partition showing
as stuck meanwhile, and the purchase goes on once Stripe is back."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from credmarket_events.enrollment import EnrollmentRequestedV1
from credmarket_events.payments import PaymentInitiatedV1
from credmarket_events.testing import make_event
from credmarket_events.topics import dead_letter_topic
from credmarket_events.values import Money
from credmarket_testing.kafka import read_topics
from credmarket_testing.wait import wait_until
from payments.settings import PaymentsSettings

if TYPE_CHECKING:
    from services.payments.tests.integration.conftest import PaymentsHarness

pytestmark = pytest.mark.integration


@pytest.fixture
def payments_settings(payments_settings: PaymentsSettings) -> PaymentsSettings:
    # One HTTP attempt per consumer attempt: the fault's hit count is the attempt count.
    return payments_settings.model_copy(update={"stripe_max_network_retries": 0})


@pytest.fixture
async def fault(stripe_api_base: str) -> AsyncIterator[Callable[..., Any]]:
    name = f"f{uuid.uuid4().hex[:12]}"

    async def arm(**fields: Any) -> str:
        async with httpx.AsyncClient() as http:
            response = await http.post(
                f"{stripe_api_base}/_config/faults/{name}",
                data={k: str(v) for k, v in fields.items()},
            )
            response.raise_for_status()
        return name

    yield arm
    async with httpx.AsyncClient() as http:
        await http.delete(f"{stripe_api_base}/_config/faults/{name}")


async def fault_hits(stripe_api_base: str, name: str) -> int:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{stripe_api_base}/_config/faults/{name}")
    return int(response.json()["hits"]) if response.status_code == 200 else 0


def purchase(offering_id: uuid.UUID) -> EnrollmentRequestedV1:
    return make_event(
        EnrollmentRequestedV1,
        enrollment_id=uuid.uuid4(),
        learner_id=uuid.uuid4(),
        offering_id=offering_id,
        provider_id=uuid.uuid4(),
        quoted_price=Money(amount=4900, currency="EUR"),
    )


async def stuck_gauge(payments: PaymentsHarness) -> float:
    """The partition gauge of this test's consumer group, summed over its partitions."""
    text = (await payments.client.get("/metrics")).text
    group = re.escape(payments.settings.group())
    values = re.findall(
        r'^credmarket_consumer_partition_stuck\{group="' + group + r'",[^}]*\} (\S+)$',
        text,
        re.MULTILINE,
    )
    return sum(float(v) for v in values)


async def committed_notes(payments: PaymentsHarness) -> list[dict[str, Any]]:
    """The metadata of the group's committed offsets: what `credmarket-ops lag` shows."""
    admin = AIOKafkaAdminClient(bootstrap_servers=payments.settings.kafka_bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(payments.settings.group())
    finally:
        await admin.close()
    return [json.loads(m.metadata) for m in offsets.values() if m.metadata]


async def test_stripe_refusing_the_intent_dead_letters_the_request_at_once(
    payments: PaymentsHarness, fault: Callable[..., Any], stripe_api_base: str
) -> None:
    offering = uuid.uuid4()
    name = await fault(
        path="/v1/payment_intents",
        match=offering,
        status=400,
        error_type="invalid_request_error",
        message="Amount must convert to at least 50 cents.",
    )
    env = await payments.publish(purchase(offering))
    dlq = dead_letter_topic(payments.settings.group())

    async def dead_lettered() -> list[Any]:
        try:
            records = await read_topics(payments.settings.kafka_bootstrap, [dlq], within_s=5)
        except AssertionError:
            return []
        return [r for r in records if dict(r.headers).get("ce_id") == env.id.encode()]

    async def seen() -> bool:
        return bool(await dead_lettered())

    await wait_until(seen, timeout=30, message="the refused purchase was not dead-lettered")
    (letter,) = await dead_lettered()
    headers = {k: v.decode() for k, v in letter.headers}
    assert headers["dlq_attempts"] == "1"  # at once: a 4xx is the same next time
    assert headers["dlq_reason"] == "handler_rejected"
    assert "at least 50 cents" in headers["dlq_error"]
    assert await fault_hits(stripe_api_base, name) == 1


async def test_stripe_failing_is_retried_until_it_heals_and_shows_the_partition_stuck(
    payments: PaymentsHarness, fault: Callable[..., Any], stripe_api_base: str
) -> None:
    offering = uuid.uuid4()
    name = await fault(
        path="/v1/payment_intents",
        match=offering,
        status=500,
        error_type="api_error",
        message="Stripe is having a bad day",
    )
    requested = purchase(offering)
    await payments.publish(requested)
    attempts = payments.settings.consumer_max_attempts + 3

    async def retried_past_the_old_budget() -> bool:
        return await fault_hits(stripe_api_base, name) >= attempts

    await wait_until(retried_past_the_old_budget, timeout=60, message="not retried enough")
    assert await stuck_gauge(payments) == 1

    async def noted() -> bool:
        return bool(await committed_notes(payments))

    await wait_until(noted, timeout=15, message="the stuck partition was never committed")
    (note,) = await committed_notes(payments)
    assert note["failure"] == "transient"
    assert note["event_type"] == EnrollmentRequestedV1.event_type
    assert note["attempts"] >= payments.settings.consumer_max_attempts
    assert "bad day" in note["error"]

    async with httpx.AsyncClient() as http:
        await http.delete(f"{stripe_api_base}/_config/faults/{name}")
    initiated = await payments.payments_topic.wait_for(
        PaymentInitiatedV1, enrollment_id=requested.enrollment_id
    )
    assert initiated.data.amount.amount == 4900
    assert await stuck_gauge(payments) == 0
    await wait_until(
        lambda: _no_notes(payments), timeout=15, message="the stuck note was never cleared"
    )
    dlq = dead_letter_topic(payments.settings.group())
    try:
        letters = await read_topics(payments.settings.kafka_bootstrap, [dlq], within_s=5)
    except AssertionError:
        letters = []
    assert letters == []


async def _no_notes(payments: PaymentsHarness) -> bool:
    return not await committed_notes(payments)
