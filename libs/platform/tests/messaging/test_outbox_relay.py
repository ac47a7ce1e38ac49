"""The outbox relay on the real broker and database."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections import defaultdict
from typing import Any

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from credmarket_events.envelope import decode
from credmarket_platform.db import Database
from credmarket_platform.db.tables import outbox
from credmarket_platform.messaging.kafka import idempotent_producer
from credmarket_platform.messaging.relay import OutboxRelay, RelayPublishError, running_relay
from credmarket_testing.kafka import read_topics
from credmarket_testing.messaging_probe import provider_event
from credmarket_testing.wait import wait_until

pytestmark = pytest.mark.integration

TOPIC = "catalog.providers"


async def emit_events(db: Database, keys: list[uuid.UUID], per_key: int) -> list[tuple[str, str]]:
    """Commit per_key events for each key, interleaved; returns (key, event id) in commit order."""
    order: list[tuple[str, str]] = []
    for i in range(per_key):
        for key in keys:
            async with db.unit_of_work() as uow:
                env = uow.emit_new(provider_event(f"n{i}", key).data, "/tests")
                await uow.commit()
            order.append((str(key), env.id))
    return order


def per_key(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for key, event_id in pairs:
        out[key].append(event_id)
    return out


async def published(bootstrap: str, topic: str) -> list[tuple[str, str]]:
    """(key, event id) of every record on the topic, in partition order."""
    records = await read_topics(bootstrap, [topic])
    pairs = []
    for rec in records:
        env = decode(rec.value, rec.headers, rec.key)
        pairs.append((rec.key.decode(), env.id))
    return pairs


async def pending(db: Database) -> int:
    async with db.engine.connect() as conn:
        n = await conn.scalar(
            sa.select(sa.func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        )
    return int(n or 0)


async def test_relay_publishes_every_row_once_in_commit_order_per_key(
    db: Database, producer: AIOKafkaProducer, kafka_bootstrap: str, topic_prefix: str
) -> None:
    order = await emit_events(db, [uuid.uuid4() for _ in range(5)], per_key=6)
    relay = OutboxRelay(db, producer, service="tests", batch_size=7)
    while await relay.publish_pending():
        pass
    assert await pending(db) == 0
    got = await published(kafka_bootstrap, topic_prefix + TOPIC)
    assert len(got) == len(order)
    assert per_key(got) == per_key(order)


async def test_relay_is_woken_by_commit_without_waiting_for_the_poll(
    db: Database, kafka_bootstrap: str, topic_prefix: str
) -> None:
    # A poll interval far longer than the test: only NOTIFY can wake the relay in time.
    async with running_relay(db, kafka_bootstrap, service="tests", poll_interval_s=60):
        order = await emit_events(db, [uuid.uuid4()], per_key=1)
        await wait_until(lambda: _pending_is_zero(db), timeout=10, message="relay never woke")
    got = await published(kafka_bootstrap, topic_prefix + TOPIC)
    assert got == order


async def _pending_is_zero(db: Database) -> bool:
    return await pending(db) == 0


async def test_two_relays_at_once_publish_each_row_once_and_in_order(
    db: Database, kafka_bootstrap: str, topic_prefix: str
) -> None:
    order = await emit_events(db, [uuid.uuid4() for _ in range(20)], per_key=15)
    producers = [idempotent_producer(kafka_bootstrap, client_id=f"r{i}") for i in range(2)]
    for p in producers:
        await p.start()
    relays = [OutboxRelay(db, p, service="tests", batch_size=25) for p in producers]
    counts = [0, 0]

    async def drain(i: int) -> None:
        while await pending(db):
            counts[i] += await relays[i].publish_pending()

    try:
        await asyncio.gather(drain(0), drain(1))
    finally:
        for p in producers:
            await p.stop()
    assert sum(counts) == len(order)
    assert all(counts), f"both relays should have worked: {counts}"
    got = await published(kafka_bootstrap, topic_prefix + TOPIC)
    assert len(got) == len(order)
    assert len({event_id for _, event_id in got}) == len(order)
    assert per_key(got) == per_key(order)


class FlakyProducer:
    """Fails the n-th send once, as a broker error would, then behaves."""

    def __init__(self, inner: AIOKafkaProducer, fail_on: int) -> None:
        self.inner = inner
        self.fail_on = fail_on
        self.calls = 0

    async def send(self, *args: Any, **kwargs: Any) -> asyncio.Future[Any]:
        self.calls += 1
        if self.calls == self.fail_on:
            refused: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            refused.set_exception(ConnectionError("injected broker error"))
            return refused
        sending: asyncio.Future[Any] = await self.inner.send(*args, **kwargs)
        return sending


async def test_per_key_order_holds_across_a_retry(
    db: Database, producer: AIOKafkaProducer, kafka_bootstrap: str, topic_prefix: str
) -> None:
    key = uuid.uuid4()
    order = await emit_events(db, [key], per_key=5)
    relay = OutboxRelay(db, FlakyProducer(producer, fail_on=3), service="tests")  # type: ignore[arg-type]
    with pytest.raises(RelayPublishError):
        await relay.publish_pending()
    assert await pending(db) == 3  # rows 3..5 wait for the retry
    assert await relay.publish_pending() == 3
    got = await published(kafka_bootstrap, topic_prefix + TOPIC)
    assert got == order


class RefusingProducer(FlakyProducer):
    """Refuses the n-th record before sending it (as for a record over the size limit)."""

    async def send(self, *args: Any, **kwargs: Any) -> asyncio.Future[Any]:
        self.calls += 1
        if self.calls == self.fail_on:
            raise ValueError("injected refusal")
        sending: asyncio.Future[Any] = await self.inner.send(*args, **kwargs)
        return sending


async def test_a_record_refused_before_sending_holds_back_its_key_only(
    db: Database, producer: AIOKafkaProducer, kafka_bootstrap: str, topic_prefix: str
) -> None:
    keys = [uuid.uuid4(), uuid.uuid4()]
    order = await emit_events(db, keys, per_key=3)
    relay = OutboxRelay(db, RefusingProducer(producer, fail_on=3), service="tests")  # type: ignore[arg-type]
    with pytest.raises(RelayPublishError):
        await relay.publish_pending()
    assert 1 <= await pending(db) <= 3  # the refused row and the rest of its key
    while await pending(db):
        await relay.publish_pending()
    got = await published(kafka_bootstrap, topic_prefix + TOPIC)
    assert per_key(got) == per_key(order)
    assert len(got) == len(order)


class HangingProducer:
    """The first send is never acknowledged (a broker that went away), then behaves."""

    def __init__(self, inner: AIOKafkaProducer) -> None:
        self.inner = inner
        self.calls = 0

    async def send(self, *args: Any, **kwargs: Any) -> asyncio.Future[Any]:
        self.calls += 1
        if self.calls == 1:
            return asyncio.get_running_loop().create_future()  # never acknowledged
        sending: asyncio.Future[Any] = await self.inner.send(*args, **kwargs)
        return sending


async def test_an_unacknowledged_send_fails_the_row_in_time_and_is_retried_in_order(
    db: Database, producer: AIOKafkaProducer, kafka_bootstrap: str, topic_prefix: str
) -> None:
    key = uuid.uuid4()
    order = await emit_events(db, [key], per_key=3)
    hanging = HangingProducer(producer)
    relay = OutboxRelay(db, hanging, service="tests", send_timeout_s=0.2)  # type: ignore[arg-type]
    with pytest.raises(RelayPublishError):
        await asyncio.wait_for(relay.publish_pending(), timeout=10)
    async with db.engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(outbox.c.attempts, outbox.c.last_error).order_by(outbox.c.id)
            )
        ).all()
    assert rows[0].attempts == 1
    assert "did not acknowledge within 0.2 s" in rows[0].last_error
    assert [r.attempts for r in rows[1:]] == [1, 1]  # held back behind the first, in order
    # The retry, through the same producer, with the default deadline: 0.2 s is for the hang
    # above, not for a real broker's answer on a busy machine.
    retry = OutboxRelay(db, hanging, service="tests")  # type: ignore[arg-type]
    assert await retry.publish_pending() == 3
    assert await published(kafka_bootstrap, topic_prefix + TOPIC) == order


async def test_a_process_killed_after_commit_publishes_exactly_once_after_restart(
    db: Database, database_url: str, kafka_bootstrap: str, topic_prefix: str
) -> None:
    event_id = str(uuid.uuid4())
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "credmarket_testing.messaging_probe",
        "commit-then-die",
        database_url,
        topic_prefix,
        event_id,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == -9, stderr.decode()
    assert await pending(db) == 1  # committed, not published
    # The "restarted" service: its relay finds the row and publishes it.
    async with running_relay(db, kafka_bootstrap, service="tests", poll_interval_s=0.2):
        await wait_until(lambda: _pending_is_zero(db), timeout=15)
    # A second restart must not publish it again.
    async with running_relay(db, kafka_bootstrap, service="tests", poll_interval_s=0.2) as r:
        assert await r.publish_pending() == 0
    got = await published(kafka_bootstrap, topic_prefix + TOPIC)
    assert [event_id for _, event_id in got] == [event_id]
