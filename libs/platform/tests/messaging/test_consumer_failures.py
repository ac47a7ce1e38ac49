"""The consumer runner meets failures, on the real broker and database: transient ones are
retried for as long as they last (only their partition waits, and shows as stuck),
permanent ones are dead-lettered at once, and a handler that calls out never waits on
a lock its own batch holds. Database connections carry lock and statement timeouts."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from credmarket_events.catalog import ProviderRegisteredV1, ProviderUpdatedV1
from credmarket_events.envelope import Envelope, encode
from credmarket_platform.db import Database
from credmarket_platform.failures import PLATFORM_FAILURES, Failure, FailurePolicy
from credmarket_platform.messaging import transactions
from credmarket_platform.messaging.consumer import ConsumerRunner, running_consumer
from credmarket_platform.messaging.handlers import CallThenRecord, HandlerContext, HandlerRegistry
from credmarket_platform.messaging.metrics import PARTITION_STUCK
from credmarket_platform.messaging.stuck import read_note
from credmarket_platform.settings import ServiceSettings
from credmarket_testing.kafka import read_topics
from credmarket_testing.messaging_probe import (
    effect_rows,
    effects,
    provider_event,
)
from credmarket_testing.wait import wait_until

pytestmark = pytest.mark.integration

TOPIC = "catalog.providers"


async def send(producer: AIOKafkaProducer, topic: str, env: Envelope[Any], partition: int) -> None:
    m = encode(env)
    await producer.send_and_wait(topic, m.value, key=m.key, headers=m.headers, partition=partition)


def runner(
    db: Database, bootstrap: str, group: str, topic: str, registry: HandlerRegistry, **kw: Any
) -> ConsumerRunner:
    return ConsumerRunner(
        db,
        registry,
        bootstrap=bootstrap,
        group=group,
        topics=[topic],
        source="/tests",
        max_attempts=3,
        backoff_initial_s=0.02,
        backoff_max_s=0.1,
        commit_interval_s=0.1,
        **kw,
    )


def stuck_gauge(group: str, topic: str, partition: int) -> float:
    return float(PARTITION_STUCK.labels(group, topic, str(partition))._value.get())


async def committed_note(bootstrap: str, group: str) -> dict[str, Any] | None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    notes = [n for m in offsets.values() if (n := read_note(m.metadata)) is not None]
    return notes[0] if notes else None


async def test_a_transient_failure_is_retried_as_long_as_it_lasts_holding_only_its_partition(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic_prefix: str,
    unique_id: str,
) -> None:
    handled: list[str] = []
    attempts = 0
    database_back = asyncio.Event()
    reg = HandlerRegistry()

    async def handle(ctx: HandlerContext[ProviderRegisteredV1]) -> None:
        nonlocal attempts
        if ctx.data.name == "blocked" and not database_back.is_set():
            attempts += 1
            raise ConnectionResetError(104, "the database failed over")
        handled.append(ctx.data.name)

    reg.register(ProviderRegisteredV1, handle)
    topic = topic_prefix + TOPIC
    r = runner(db, kafka_bootstrap, unique_id, topic, reg)
    async with running_consumer(r):
        await send(producer, topic, provider_event("blocked"), partition=0)
        await wait_until(lambda: attempts > 2 * r.max_attempts, timeout=20)
        await send(producer, topic, provider_event("flowing"), partition=1)
        await wait_until(lambda: "flowing" in handled, timeout=20)
        assert "blocked" not in handled
        assert stuck_gauge(unique_id, topic, 0) == 1
        assert stuck_gauge(unique_id, topic, 1) == 0

        async def noted() -> bool:
            return await committed_note(kafka_bootstrap, unique_id) is not None

        await wait_until(noted, timeout=20, message="no stuck note on the committed offset")
        note = await committed_note(kafka_bootstrap, unique_id)
        assert note is not None
        assert note["failure"] == "transient"
        assert note["event_type"] == ProviderRegisteredV1.event_type

        database_back.set()
        await wait_until(lambda: "blocked" in handled, timeout=20)
        await wait_until(lambda: stuck_gauge(unique_id, topic, 0) == 0, timeout=20)

        async def cleared() -> bool:
            return await committed_note(kafka_bootstrap, unique_id) is None

        await wait_until(cleared, timeout=20, message="the stuck note was never cleared")
    assert handled == ["flowing", "blocked"]
    assert await read_topics(kafka_bootstrap, [r.dlq_topic]) == []


async def test_a_failure_the_service_calls_permanent_is_dead_lettered_at_once(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic_prefix: str,
    unique_id: str,
) -> None:
    class Refused(Exception):
        """What a payment provider's 4xx looks like to a service."""

    def rule(exc: BaseException) -> Failure | None:
        return Failure.PERMANENT if isinstance(exc, Refused) else None

    calls = 0
    reg = HandlerRegistry()

    async def handle(ctx: HandlerContext[ProviderRegisteredV1]) -> None:
        nonlocal calls
        calls += 1
        raise Refused("amount below the minimum charge")

    reg.register(ProviderRegisteredV1, handle)
    topic = topic_prefix + TOPIC
    r = runner(db, kafka_bootstrap, unique_id, topic, reg, failures=FailurePolicy(rule))
    async with running_consumer(r):
        await send(producer, topic, provider_event("refused"), partition=0)

        async def dead_lettered() -> bool:
            return bool(await read_topics(kafka_bootstrap, [r.dlq_topic]))

        await wait_until(dead_lettered, timeout=20)
    (letter,) = await read_topics(kafka_bootstrap, [r.dlq_topic])
    headers = {k: v.decode() for k, v in letter.headers}
    assert headers["dlq_attempts"] == "1"
    assert headers["dlq_reason"] == "handler_rejected"
    assert "below the minimum charge" in headers["dlq_error"]
    assert calls == 1


async def test_a_handler_that_calls_out_never_waits_on_a_lock_its_own_batch_holds(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic_prefix: str,
    unique_id: str,
) -> None:
    """A locks a row in the consumer's transaction; B, behind it in the same fetch,
    takes that row's lock in a transaction of its own before calling out. Run in one
    batch, B would wait for A's transaction, which waits for B: for ever."""
    async with db.unit_of_work() as uow:
        await uow.session.execute(
            sa.insert(effects).values(event_id="seed", key="shared", name="seed", handled_by="t")
        )
        await uow.commit()
    lock_row = sa.select(effects.c.id).where(effects.c.key == "shared").with_for_update()
    called_with: list[str] = []
    reg = HandlerRegistry()

    async def lock_in_batch(ctx: HandlerContext[ProviderRegisteredV1]) -> None:
        await ctx.uow.session.execute(lock_row)

    async def call(envelope: Envelope[Any]) -> str:
        async with db.unit_of_work() as uow:  # "record the intent", under the row's lock
            await uow.session.execute(lock_row.with_for_update(nowait=True))
            await uow.commit()
        return f"answer to {envelope.data.name}"

    async def record(ctx: HandlerContext[Any], answer: str) -> None:
        called_with.append(answer)
        await ctx.uow.session.execute(
            sa.insert(effects).values(
                event_id=ctx.envelope.id, key="b", name=answer, handled_by="t"
            )
        )

    reg.register(ProviderRegisteredV1, lock_in_batch)
    reg.register_call(ProviderUpdatedV1, CallThenRecord(call, record))
    topic = topic_prefix + TOPIC
    a = provider_event("a")
    b = Envelope(
        data=ProviderUpdatedV1(
            provider_id=uuid.uuid4(),
            name="b",
            contact_email="ops@example.org",
            updated_at=datetime.now(UTC),
        ),
        source="/tests",
    )
    # Both on one partition before the consumer starts: one fetch, one would-be batch.
    for env in (a, provider_event("a2"), b, provider_event("a3")):
        await send(producer, topic, env, partition=0)
    r = runner(db, kafka_bootstrap, unique_id, topic, reg)
    records = [_record(e) for e in (a, a, b, a)]
    assert [len(run) for run in transactions.runs(reg, records)] == [2, 1, 1]
    async with running_consumer(r):
        await wait_until(lambda: called_with == ["answer to b"], timeout=20)
    rows = await effect_rows(db)
    assert [row["name"] for row in rows if row["key"] == "b"] == ["answer to b"]
    assert await read_topics(kafka_bootstrap, [r.dlq_topic]) == []


def _record(env: Envelope[Any]) -> Any:
    from aiokafka.structs import ConsumerRecord

    m = encode(env)
    return ConsumerRecord(
        "t", 0, 0, 0, 0, m.key, m.value, None, len(m.key), len(m.value), list(m.headers)
    )


async def test_every_connection_has_lock_and_statement_timeouts_and_their_errors_are_transient(
    database_url: str,
) -> None:
    settings = ServiceSettings(
        database_url=database_url, db_lock_timeout_ms=300, db_statement_timeout_ms=4_000
    )
    db = Database.for_service(settings)
    default = Database(database_url)
    holder = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        async with db.engine.connect() as conn:
            assert await conn.scalar(sa.text("SHOW lock_timeout")) == "300ms"
            assert await conn.scalar(sa.text("SHOW statement_timeout")) == "4s"
        async with default.engine.connect() as conn:
            assert await conn.scalar(sa.text("SHOW lock_timeout")) == "5s"
            assert await conn.scalar(sa.text("SHOW statement_timeout")) == "30s"
        await holder.execute("CREATE TABLE IF NOT EXISTS locked (id int primary key)")
        await holder.execute("INSERT INTO locked VALUES (1) ON CONFLICT DO NOTHING")
        async with holder.transaction():
            await holder.execute("SELECT id FROM locked WHERE id = 1 FOR UPDATE")
            with pytest.raises(sa.exc.DBAPIError) as waited:
                async with db.unit_of_work() as uow:
                    await uow.session.execute(
                        sa.text("SELECT id FROM locked WHERE id = 1 FOR UPDATE")
                    )
        assert PLATFORM_FAILURES.classify(waited.value) is Failure.TRANSIENT
    finally:
        await holder.close()
        await db.dispose()
        await default.dispose()
