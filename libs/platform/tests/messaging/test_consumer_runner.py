"""The consumer runner on the real broker and database."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections import Counter

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from credmarket_events.catalog import ProviderRegisteredV1
from credmarket_events.envelope import H_CORRELATION, H_TYPE, encode
from credmarket_platform.db import Database
from credmarket_platform.db.tables import inbox, outbox
from credmarket_platform.messaging.consumer import ConsumerRunner, running_consumer
from credmarket_platform.messaging.handlers import HandlerContext, HandlerRegistry
from credmarket_testing.kafka import read_topics
from credmarket_testing.messaging_probe import (
    FAIL_NAME,
    effect_rows,
    provider_event,
    runner,
)
from credmarket_testing.wait import wait_until

pytestmark = pytest.mark.integration

TOPIC = "catalog.providers"


async def count(db: Database, table: sa.Table) -> int:
    async with db.engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


class HeldHandler:
    """A registry whose handler records names in order and holds the one named ``held``
    until released (a handler waiting out a slow dependency, or its retries)."""

    def __init__(self, held: str) -> None:
        self.handled: list[str] = []
        self.started, self.release = asyncio.Event(), asyncio.Event()
        self.registry = HandlerRegistry()

        async def handle(ctx: HandlerContext[ProviderRegisteredV1]) -> None:
            if ctx.data.name == held:
                self.started.set()
                await self.release.wait()
            self.handled.append(ctx.data.name)

        self.registry.register(ProviderRegisteredV1, handle)


async def test_an_event_delivered_three_times_has_one_effect_and_emits_once(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic_prefix: str,
    unique_id: str,
) -> None:
    msg = encode(provider_event("thrice"))
    for _ in range(3):
        await producer.send_and_wait(
            topic_prefix + TOPIC, msg.value, key=msg.key, headers=msg.headers
        )
    # A marker behind the duplicates on the same partition tells when all three were seen.
    marker = provider_event("marker", uuid.UUID(msg.key.decode()))
    m = encode(marker)
    await producer.send_and_wait(topic_prefix + TOPIC, m.value, key=m.key, headers=m.headers)

    r = runner(db, kafka_bootstrap, unique_id, topic_prefix + TOPIC, "w1")
    async with running_consumer(r):
        await wait_until(lambda: _effects_named(db, "marker"), timeout=20)
    rows = await effect_rows(db)
    assert [row["name"] for row in rows] == ["thrice", "marker"]
    assert await count(db, inbox) == 2
    # One caused event per handled event, carrying the consumed event's correlation id.
    async with db.engine.connect() as conn:
        emitted = (await conn.execute(sa.select(outbox.c.headers).order_by(outbox.c.id))).all()
    assert len(emitted) == 2
    correlations = [dict(h)[H_CORRELATION] for (h,) in emitted]
    assert correlations[0] == msg.header(H_CORRELATION)


async def _effects_named(db: Database, name: str) -> bool:
    return any(row["name"] == name for row in await effect_rows(db))


async def test_poison_messages_go_to_the_dead_letter_topic_and_the_partition_moves_on(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic_prefix: str,
    unique_id: str,
) -> None:
    key = uuid.uuid4()
    good = encode(provider_event("good", key))
    bad_json = encode(provider_event("bad json", key))
    unknown_version = encode(provider_event("unknown version", key))
    unknown_headers = [
        (k, v.replace(b".v1", b".v9") if k == H_TYPE else v) for k, v in unknown_version.headers
    ]
    failing = encode(provider_event(FAIL_NAME, key))
    topic = topic_prefix + TOPIC
    # All on one key, so all on one partition, the good one last.
    await producer.send_and_wait(topic, b"{not json", key=bad_json.key, headers=bad_json.headers)
    await producer.send_and_wait(
        topic, unknown_version.value, key=unknown_version.key, headers=unknown_headers
    )
    await producer.send_and_wait(topic, failing.value, key=failing.key, headers=failing.headers)
    await producer.send_and_wait(topic, good.value, key=good.key, headers=good.headers)

    r = runner(db, kafka_bootstrap, unique_id, topic, "w1", max_attempts=3, backoff_initial_s=0.01)
    async with running_consumer(r):
        await wait_until(lambda: _effects_named(db, "good"), timeout=20)
    dead = await read_topics(kafka_bootstrap, [r.dlq_topic])
    assert len(dead) == 3
    letters = [{k: v.decode() for k, v in d.headers} for d in dead]
    assert [d["dlq_reason"] for d in letters] == ["bad_json", "unknown_version", "handler_failed"]
    assert all(d["dlq_source_topic"] == topic for d in letters)
    assert all(d["dlq_group"] == unique_id for d in letters)
    assert [d["dlq_attempts"] for d in letters] == ["1", "1", "3"]
    assert "always fails" in letters[2]["dlq_error"]
    assert letters[1]["ce_type"].endswith(".v9")  # the original headers travel with it
    assert dead[0].value == b"{not json"
    offsets = sorted(int(d["dlq_source_offset"]) for d in letters)
    assert len(set(offsets)) == 3
    assert [row["name"] for row in await effect_rows(db)] == ["good"]


async def test_committed_offsets_mean_a_restart_redoes_nothing(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic_prefix: str,
    unique_id: str,
) -> None:
    topic = topic_prefix + TOPIC
    first = [encode(provider_event(f"a{i}")) for i in range(10)]
    for m in first:
        await producer.send_and_wait(topic, m.value, key=m.key, headers=m.headers)
    async with running_consumer(runner(db, kafka_bootstrap, unique_id, topic, "w1")):
        await wait_until(lambda: _effect_count_is(db, 10), timeout=20)
    second = [encode(provider_event(f"b{i}")) for i in range(5)]
    for m in second:
        await producer.send_and_wait(topic, m.value, key=m.key, headers=m.headers)
    async with running_consumer(runner(db, kafka_bootstrap, unique_id, topic, "w2")):
        await wait_until(lambda: _effect_count_is(db, 15), timeout=20)
    rows = await effect_rows(db)
    assert Counter(row["handled_by"] for row in rows) == {"w1": 10, "w2": 5}
    # Nothing was even redelivered: the inbox saw each event once.
    assert await count(db, inbox) == 15


async def _effect_count_is(db: Database, n: int) -> bool:
    return len(await effect_rows(db)) >= n


async def test_two_replicas_share_partitions_and_a_killed_one_loses_nothing(
    db: Database,
    database_url: str,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic_prefix: str,
    unique_id: str,
) -> None:
    topic = topic_prefix + TOPIC
    replicas = {}
    for name in ("A", "B"):
        replicas[name] = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "credmarket_testing.messaging_probe",
            "replica",
            database_url,
            kafka_bootstrap,
            unique_id,
            topic,
            name,
            stdout=asyncio.subprocess.DEVNULL,
        )
    try:
        await wait_until(
            lambda: _group_is_stable_with(kafka_bootstrap, unique_id, members=2),
            timeout=60,
            message="the two replicas never formed a stable group",
        )
        first = [encode(provider_event(f"first{i}")) for i in range(120)]
        for m in first:
            await producer.send(topic, m.value, key=m.key, headers=m.headers)
        await producer.flush()
        await wait_until(lambda: _effect_count_is(db, 120), timeout=60)
        by_worker = Counter(row["handled_by"] for row in await effect_rows(db))
        assert set(by_worker) == {"A", "B"}, f"both replicas should get partitions: {by_worker}"

        os.kill(replicas["A"].pid, signal.SIGKILL)
        await asyncio.wait_for(replicas["A"].wait(), timeout=10)
        second = [encode(provider_event(f"second{i}")) for i in range(120)]
        for m in second:
            await producer.send(topic, m.value, key=m.key, headers=m.headers)
        await producer.flush()
        # B takes A's partitions once the group notices A is gone (session timeout).
        await wait_until(lambda: _effect_count_is(db, 240), timeout=90)
    finally:
        for p in replicas.values():
            if p.returncode is None:
                p.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(p.wait(), timeout=10)
                except TimeoutError:
                    p.kill()
    rows = await effect_rows(db)
    handled = Counter(row["event_id"] for row in rows)
    assert len(handled) == 240
    assert max(handled.values()) == 1, "an event was handled twice"
    assert {row["name"] for row in rows if row["handled_by"] == "B"} >= {
        f"second{i}" for i in range(120)
    }


async def _group_is_stable_with(bootstrap: str, group: str, *, members: int) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [response] = await admin.describe_consumer_groups([group])
        [described] = response.groups
        _error, _group, state, _ptype, _protocol, group_members = described
        return state == "Stable" and len(group_members) == members
    finally:
        await admin.close()


async def test_a_slow_record_holds_back_only_its_own_partition(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic_prefix: str,
    unique_id: str,
) -> None:
    held = HeldHandler("slow")
    handled, slow_started, release = held.handled, held.started, held.release
    topic = topic_prefix + TOPIC
    r = ConsumerRunner(
        db,
        held.registry,
        bootstrap=kafka_bootstrap,
        group=unique_id,
        topics=[topic],
        source="/tests",
    )
    async with running_consumer(r):
        slow = encode(provider_event("slow"))
        await producer.send_and_wait(
            topic, slow.value, key=slow.key, headers=slow.headers, partition=0
        )
        await wait_until(slow_started.is_set, timeout=20)
        # Fetched after the slow one started: the runner must not wait for it.
        fast = encode(provider_event("fast"))
        await producer.send_and_wait(
            topic, fast.value, key=fast.key, headers=fast.headers, partition=1
        )
        await wait_until(lambda: "fast" in handled, timeout=10)
        assert "slow" not in handled
        release.set()
        await wait_until(lambda: "slow" in handled, timeout=10)
    assert handled == ["fast", "slow"]
    assert await count(db, inbox) == 2


async def test_a_busy_partition_keeps_being_fetched_and_its_records_keep_their_order(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic_prefix: str,
    unique_id: str,
) -> None:
    # A partition left out of the fetch while its worker is busy would have its next
    # record wait for the fetch already at the broker (up to 500 ms) once the worker is
    # done: a purchase's steps, one key, one partition, each waited that long.
    held = HeldHandler("first")
    handled, first_started, release = held.handled, held.started, held.release
    topic = topic_prefix + TOPIC
    r = ConsumerRunner(
        db,
        held.registry,
        bootstrap=kafka_bootstrap,
        group=unique_id,
        topics=[topic],
        source="/tests",
    )
    tp = TopicPartition(topic, 0)
    async with running_consumer(r):
        for name in ("first", "second", "third"):
            msg = encode(provider_event(name))
            await producer.send_and_wait(
                topic, msg.value, key=msg.key, headers=msg.headers, partition=0
            )
            if name == "first":
                await wait_until(first_started.is_set, timeout=20)
        # Fetched while the first is still in hand, and the partition not paused.
        await wait_until(
            lambda: len(r._queued.get(tp, [])) == 2,
            timeout=10,
            message=lambda: f"queued behind the busy worker: {r._queued.get(tp)}",
        )
        assert r.consumer is not None
        assert tp not in r.consumer.paused()
        release.set()
        await wait_until(lambda: len(handled) == 3, timeout=10)
    assert handled == ["first", "second", "third"]


async def test_a_partition_whose_worker_falls_a_batch_behind_is_paused_until_it_catches_up(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    topic_prefix: str,
    unique_id: str,
) -> None:
    held = HeldHandler("0")
    handled, first_started, release = held.handled, held.started, held.release
    topic = topic_prefix + TOPIC
    r = ConsumerRunner(
        db,
        held.registry,
        bootstrap=kafka_bootstrap,
        group=unique_id,
        topics=[topic],
        source="/tests",
        max_records=3,
    )
    tp = TopicPartition(topic, 0)
    async with running_consumer(r):
        for i in range(7):
            msg = encode(provider_event(str(i)))
            await producer.send_and_wait(
                topic, msg.value, key=msg.key, headers=msg.headers, partition=0
            )
            if i == 0:
                await wait_until(first_started.is_set, timeout=20)
        # What is held in memory for a stuck partition is bounded by a batch or two.
        assert r.consumer is not None
        consumer = r.consumer
        await wait_until(lambda: tp in consumer.paused(), timeout=10)
        assert len(r._queued[tp]) < 2 * 3
        release.set()
        await wait_until(lambda: len(handled) == 7, timeout=20)
        assert tp not in consumer.paused()
    assert handled == [str(i) for i in range(7)]
