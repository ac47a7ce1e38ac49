"""Events per second through the reliable pipeline, as a fraction of a raw aiokafka loop.

    uv run python -m benchmarks.messaging_throughput [--events 5000] [--writers 16] [--json]

Both loops move the same events (the same envelopes, encoded the same way) over the same
broker, timed the same way: from the first event produced to the last one whose
consumer has committed its work.

- raw: an idempotent aiokafka producer (acks=all) sends every event while a plain
  consumer group reads them and commits its offsets per batch.
- pipeline: ``--writers`` concurrent writers commit one event each per transaction into
  the outbox (as request handlers do) → the relay publishes → the platform's
  ConsumerRunner handles each in a transaction with its inbox row and one state write.

It prints pipeline ÷ raw: the share of the broker's bare speed the guarantees leave
(target ≥ 30%, issue 24), and, per loop, this process's CPU per event (user + system),
which a busy machine distorts far less than a rate. Two more phases split the pipeline:
the outbox writes alone (no relay running), then the relay alone publishing them, then
the consumer alone handling them. Runs on uvloop, as the services do (uvicorn picks it).
Uses the local stack (`./dev up --infra-only`): a scratch database and scratch topics,
dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import sqlalchemy as sa
import uvloop
from aiokafka import AIOKafkaConsumer
from credmarket_events.catalog import ProviderRegisteredV1
from credmarket_events.envelope import Envelope, encode
from credmarket_platform.db import Database, platform_metadata
from credmarket_platform.messaging.consumer import ConsumerRunner, running_consumer
from credmarket_platform.messaging.handlers import HandlerContext, HandlerRegistry
from credmarket_platform.messaging.kafka import ensure_topics, idempotent_producer
from credmarket_platform.messaging.relay import OutboxRelay, running_relay
from credmarket_platform.settings import ServiceSettings

from benchmarks.common import loadavg

bench_metadata = sa.MetaData()
providers = sa.Table(
    "bench_providers",
    bench_metadata,
    sa.Column("provider_id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
)
TOPIC = "catalog.providers"


def event(i: int) -> ProviderRegisteredV1:
    return ProviderRegisteredV1(
        provider_id=uuid.uuid4(),
        name=f"provider {i}",
        contact_email="ops@example.org",
        registered_at=datetime.now(UTC),
    )


@dataclass
class Phase:
    """One loop's events per second and this process's CPU per event."""

    events: int
    seconds: float
    cpu_s: float

    @property
    def per_s(self) -> float:
        return self.events / self.seconds

    @property
    def cpu_us_per_event(self) -> float:
        return self.cpu_s * 1e6 / self.events

    def as_dict(self) -> dict[str, float]:
        return {"per_s": round(self.per_s), "cpu_us_per_event": round(self.cpu_us_per_event)}


@contextlib.contextmanager
def timed(events: int, into: list[Phase]) -> Iterator[None]:
    started, cpu = time.perf_counter(), time.process_time()
    yield
    into.append(Phase(events, time.perf_counter() - started, time.process_time() - cpu))


async def raw_loop(bootstrap: str, topic: str, n: int) -> Phase:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-raw-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    producer = idempotent_producer(bootstrap, client_id="bench-raw")
    await producer.start()

    async def produce() -> None:
        for i in range(n):
            message = encode(Envelope(data=event(i), source="/bench"))
            await producer.send(topic, message.value, key=message.key, headers=message.headers)
        await producer.flush()

    async def consume() -> None:
        seen = 0
        while seen < n:
            batch = await consumer.getmany(timeout_ms=200, max_records=500)
            for tp, records in batch.items():
                seen += len(records)
                await consumer.commit({tp: records[-1].offset + 1})

    try:
        phases: list[Phase] = []
        with timed(n, phases):
            await asyncio.gather(produce(), consume())
        return phases[0]
    finally:
        await producer.stop()
        await consumer.stop()


def bench_runner(db: Database, bootstrap: str, prefix: str) -> ConsumerRunner:
    registry = HandlerRegistry()

    async def handle(ctx: HandlerContext[ProviderRegisteredV1]) -> None:
        await ctx.uow.session.execute(
            sa.insert(providers).values(provider_id=ctx.data.provider_id, name=ctx.data.name)
        )

    registry.register(ProviderRegisteredV1, handle)
    return ConsumerRunner(
        db,
        registry,
        bootstrap=bootstrap,
        group=f"{prefix}bench",
        topics=[prefix + TOPIC],
        source="/bench",
    )


async def write(db: Database, first: int, n: int, writers: int) -> None:
    """``writers`` concurrent writers, one event per transaction, as request handlers do."""

    async def writer(worker: int) -> None:
        for i in range(first + worker, first + n, writers):
            async with db.unit_of_work() as uow:
                uow.emit_new(event(i), source="/bench")
                await uow.commit()

    await asyncio.gather(*(writer(w) for w in range(writers)))


async def consumed(db: Database, n: int) -> None:
    """Until the consumer's work is committed: rows of its state table (polled; the poll
    adds at most 10 ms to a run of several seconds)."""
    while True:
        async with db.engine.connect() as connection:
            rows = await connection.scalar(sa.select(sa.func.count()).select_from(providers))
        if rows is not None and rows >= n:
            return
        await asyncio.sleep(0.01)


async def wait_for_empty_outbox(relay: OutboxRelay) -> None:
    while await relay.backlog():  # noqa: ASYNC110 (a count in the database, no event to wait on)
        await asyncio.sleep(0.005)


async def pipeline(
    db: Database, bootstrap: str, prefix: str, n: int, writers: int
) -> tuple[Phase, Phase, Phase, Phase]:
    """The whole pipeline at once; then its parts one after another: the writes alone,
    the relay publishing them, the consumer handling them."""
    phases: list[Phase] = []
    runner = bench_runner(db, bootstrap, prefix)
    async with running_relay(db, bootstrap, service="bench"), running_consumer(runner):
        with timed(n, phases):
            await asyncio.gather(write(db, 0, n, writers), consumed(db, n))
    with timed(n, phases):
        await write(db, n, n, writers)
    with timed(n, phases):
        async with running_relay(db, bootstrap, service="bench") as relay:
            await wait_for_empty_outbox(relay)
    # The same group again: it resumes from the offsets the first runner committed.
    runner = bench_runner(db, bootstrap, prefix)
    with timed(n, phases):
        async with running_consumer(runner):
            await consumed(db, 2 * n)
    whole, writes, relay_alone, consumer_alone = phases
    return whole, writes, relay_alone, consumer_alone


@contextlib.asynccontextmanager
async def scratch_database(prefix: str) -> AsyncIterator[Database]:
    """A database of its own on the local stack, with the platform's and the benchmark's
    tables, publishing to topics under ``prefix``; dropped afterwards."""
    user = os.environ.get("CREDMARKET_PG_USER", "credmarket")
    password = os.environ.get("CREDMARKET_PG_PASSWORD", "credmarket-dev")
    host = os.environ.get("CREDMARKET_PG_HOST", "127.0.0.1")
    port = os.environ.get("CREDMARKET_PG_PORT", "15432")
    pg = f"postgresql://{user}:{password}@{host}:{port}"
    name = prefix.rstrip(".")
    admin = await asyncpg.connect(pg + "/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    db = Database(
        pg.replace("postgresql://", "postgresql+asyncpg://") + "/" + name, topic_prefix=prefix
    )
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(platform_metadata.create_all)
            await connection.run_sync(bench_metadata.create_all)
        yield db
    finally:
        await db.dispose()
        admin = await asyncpg.connect(pg + "/postgres")
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def measure(events: int, writers: int) -> dict[str, Any]:
    bootstrap = ServiceSettings().kafka_bootstrap
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    before = loadavg()
    async with scratch_database(prefix) as db:
        raw_topic = f"{prefix}raw"
        await ensure_topics(bootstrap, [prefix + TOPIC, raw_topic], partitions=6)
        raw = await raw_loop(bootstrap, raw_topic, events)
        whole, writes, relay, consumer = await pipeline(db, bootstrap, prefix, events, writers)
    return {
        "events": events,
        "writers": writers,
        "raw": raw.as_dict(),
        "pipeline": whole.as_dict(),
        "pipeline_over_raw": round(whole.per_s / raw.per_s, 3),
        # Where the pipeline's time goes: its parts, each run alone.
        "outbox_writes": writes.as_dict(),
        "relay": relay.as_dict(),
        "consumer": consumer.as_dict(),
        "load_before": before,
        "load_after": loadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args()
    result = uvloop.run(measure(args.events, args.writers))
    if args.json:
        print(json.dumps(result))
        return
    print(f"events: {result['events']} ({result['writers']} writers)        events/s  CPU µs/event")
    rows = [
        ("raw aiokafka produce → consume → commit", "raw"),
        ("outbox → relay → Kafka → consumer (inbox, commit)", "pipeline"),
        ("  the outbox writes alone (one transaction each)", "outbox_writes"),
        ("  the relay alone publishing them", "relay"),
        ("  the consumer alone handling them (inbox, state, commit)", "consumer"),
    ]
    for label, key in rows:
        print(f"{label:58s} {result[key]['per_s']:>8} {result[key]['cpu_us_per_event']:>9}")
    print(f"pipeline ÷ raw: {result['pipeline_over_raw']:.1%} (target ≥ 30%)")
    print(f"load average before/after: {result['load_before']} / {result['load_after']}")


if __name__ == "__main__":
    main()
