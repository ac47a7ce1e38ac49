"""Fixtures for the ops tooling's tests: a target on the test's own topics, a producer
that writes real events, and the CLI run the way a person runs it."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import RecordMetadata
from credmarket_events.enrollment import (
    EnrollmentCompletedV1,
    EnrollmentRequestedV1,
)
from credmarket_events.envelope import Envelope, encode
from credmarket_events.issuance import CredentialIssuedV1
from credmarket_events.payments import PaymentInitiatedV1, PaymentSucceededV1
from credmarket_events.testing import make_envelope, make_event
from credmarket_infra.ops.cli import app
from credmarket_infra.ops.target import OpsTarget
from credmarket_platform.messaging.kafka import idempotent_producer
from typer.testing import CliRunner, Result

Publish = Callable[[Envelope[Any]], Awaitable[RecordMetadata]]
RunCli = Callable[..., Awaitable[Result]]
CommitOffset = Callable[[str, RecordMetadata], Awaitable[None]]


@pytest.fixture
def ops_target(kafka_bootstrap: str, topic_prefix: str) -> OpsTarget:
    return OpsTarget(kafka_bootstrap, topic_prefix)


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    p = idempotent_producer(kafka_bootstrap, client_id="ops-tests")
    await p.start()
    yield p
    await p.stop()


@pytest.fixture
def publish(producer: AIOKafkaProducer, topic_prefix: str) -> Publish:
    """Write an event the way the outbox relay does, onto this test's topics."""

    async def send(envelope: Envelope[Any]) -> RecordMetadata:
        message = encode(envelope)
        sent: RecordMetadata = await producer.send_and_wait(
            topic_prefix + message.topic, message.value, key=message.key, headers=message.headers
        )
        return sent

    return send


@pytest.fixture
def run_cli(kafka_bootstrap: str, topic_prefix: str) -> RunCli:
    """`credmarket-ops <args> --bootstrap … --prefix …`, in a thread: the CLI runs its own loop."""

    async def invoke(*args: str) -> Result:
        full = [*args, "--bootstrap", kafka_bootstrap, "--prefix", topic_prefix]
        runner = CliRunner()
        return await asyncio.to_thread(lambda: runner.invoke(app, full))

    return invoke


@pytest.fixture
def commit_offset(kafka_bootstrap: str) -> CommitOffset:
    """Commit, for a consumer group, the offset just past a record: as if the group handled it."""

    async def commit(group: str, record: RecordMetadata) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False
        )
        await consumer.start()
        try:
            tp = TopicPartition(record.topic, record.partition)
            consumer.assign([tp])
            await consumer.commit({tp: record.offset + 1})
        finally:
            await consumer.stop()

    return commit


@dataclasses.dataclass(frozen=True)
class Purchase:
    """One purchase's events, from request to credential, one correlation id."""

    enrollment_id: uuid.UUID
    events: list[Envelope[Any]]

    @property
    def correlation_id(self) -> str:
        return self.events[0].correlation_id


def purchase(start: datetime | None = None, gap: timedelta = timedelta(seconds=1.5)) -> Purchase:
    """Five events across the enrollment, payments and issuance topics, ``gap`` apart."""
    t0 = start or datetime.now(UTC) - timedelta(minutes=1)
    enrollment_id, payment_id = uuid.uuid4(), uuid.uuid4()
    requested = make_envelope(
        EnrollmentRequestedV1, source="/enrollment", enrollment_id=enrollment_id
    )
    chain: list[Envelope[Any]] = [dataclasses.replace(requested, time=t0)]
    following = [
        (
            make_event(PaymentInitiatedV1, payment_id=payment_id, enrollment_id=enrollment_id),
            "/payments",
        ),
        (
            make_event(PaymentSucceededV1, payment_id=payment_id, enrollment_id=enrollment_id),
            "/payments",
        ),
        (make_event(EnrollmentCompletedV1, enrollment_id=enrollment_id), "/enrollment"),
        (make_event(CredentialIssuedV1, enrollment_id=enrollment_id), "/issuance"),
    ]
    for i, (data, source) in enumerate(following, 1):
        caused = chain[-1].caused(data, source)
        chain.append(dataclasses.replace(caused, time=t0 + gap * i))
    return Purchase(enrollment_id, chain)


@pytest.fixture
def new_purchase() -> Callable[..., Purchase]:
    return purchase
