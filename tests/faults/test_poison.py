"""Poison records on every topic land in the dead-letter topic of each group that reads
the topic, with their reason and origin, and purchases behind them still complete."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import TYPE_CHECKING

import pytest
from credmarket_events.base import EventData
from credmarket_events.catalog import OfferingPublishedV1, ProviderRegisteredV1
from credmarket_events.enrollment import EnrollmentCompletedV1
from credmarket_events.envelope import H_DATASCHEMA, H_TYPE, Headers
from credmarket_events.issuance import CredentialIssuedV1
from credmarket_events.payments import PaymentSucceededV1
from credmarket_events.testing import make_message
from credmarket_events.topics import dead_letter_topic
from credmarket_platform.messaging.kafka import idempotent_producer
from credmarket_testing.system import System
from credmarket_testing.wait import wait_until

if TYPE_CHECKING:
    from credmarket_testing.ledger import DeadLetters, Ledger
    from credmarket_testing.shop import Shop

pytestmark = pytest.mark.e2e

MARK = "x-fault-test"
PARTITIONS = 6  # System creates every topic with six partitions

# Each topic, an event type on it, and the consumer groups that read it.
POISONED: dict[str, tuple[type[EventData], tuple[str, ...]]] = {
    "catalog.offerings": (OfferingPublishedV1, ("enrollment",)),
    "catalog.providers": (ProviderRegisteredV1, ("issuance-providers",)),
    "enrollment.enrollments": (EnrollmentCompletedV1, ("payments", "issuance")),
    "payments.payments": (PaymentSucceededV1, ("enrollment",)),
    "issuance.credentials": (CredentialIssuedV1, ("enrollment",)),
}


def poison(model: type[EventData], run: str, kind: str) -> tuple[bytes, bytes, Headers]:
    """A record with valid CloudEvents headers and bad JSON, or an unknown major version."""
    message = make_message(model)
    headers: Headers = [(k, v) for k, v in message.headers if k not in (H_TYPE, H_DATASCHEMA)]
    event_type = model.event_type
    value = message.value
    if kind == "bad_json":
        value = b'{"enrollment_id": "oops", not json'
    else:
        event_type = event_type.rsplit(".v", 1)[0] + ".v99"
    headers += [
        (H_TYPE, event_type.encode()),
        (H_DATASCHEMA, f"https://schemas.credmarket.dev/events/{event_type}.json".encode()),
        (MARK, f"{run}:{kind}".encode()),
    ]
    return message.key, value, headers


async def test_poison_on_every_topic_is_dead_lettered_per_group_while_purchases_complete(
    system: System, shop: Shop, ledger: Ledger, dead_letters: DeadLetters
) -> None:
    header = dead_letters.header
    run = uuid.uuid4().hex[:10]
    expected: Counter[tuple[str, str, str]] = Counter()  # (dlq, source topic, reason)
    producer = idempotent_producer(system.infra.kafka_bootstrap, client_id="faults-poison")
    await producer.start()
    try:
        for topic, (model, groups) in POISONED.items():
            for partition in range(PARTITIONS):
                # One of each on every partition: whatever key a real event has, it
                # queues behind poison.
                for kind, reason in (("bad_json", "bad_json"), ("v99", "unknown_version")):
                    key, value, headers = poison(model, run, kind)
                    await producer.send_and_wait(
                        system.topic(topic), value, key=key, headers=headers, partition=partition
                    )
                    for group in groups:
                        dlq = dead_letter_topic(system.topic_prefix + group)
                        expected[(dlq, system.topic(topic), reason)] += 1
    finally:
        await producer.stop()

    # A whole purchase, every one of its events behind poison on its partition.
    flow = await shop.run_to_credential(await shop.fresh_flow())
    report = await shop.verify(flow)
    assert report["status"] == "valid", report

    async def ours() -> Counter[tuple[str, str, str]]:
        records = await dead_letters.read()
        got: Counter[tuple[str, str, str]] = Counter()
        for r in records:
            mark = header(r, MARK) or ""
            if not mark.startswith(run):
                raise AssertionError(
                    f"a record that is not our poison was dead-lettered in {r.topic}: "
                    f"{header(r, 'dlq_reason')} {header(r, 'dlq_error')}"
                )
            got[(r.topic, header(r, "dlq_source_topic") or "", header(r, "dlq_reason") or "")] += 1
        return got

    async def all_dead_lettered() -> bool:
        return sum((await ours()).values()) >= sum(expected.values())

    await wait_until(all_dead_lettered, timeout=30, message="poison not all dead-lettered")
    assert await ours() == expected
    # One dead-letter topic per group, issuance's two groups apart.
    assert {dlq for dlq, _, _ in expected} == set(dead_letters.topics)

    await ledger.check_completed([flow])
