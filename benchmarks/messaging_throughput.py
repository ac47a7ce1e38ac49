"""Events per second through the reliable pipeline, next to a raw aiokafka consume loop.

    uv run python benchmarks/messaging_throughput.py [--events 5000]

Pipeline: consume → handler transaction (inbox + a state write + one emitted
event into the outbox) → commit → relay publishes the emitted event. Measured
from the first record consumed until the last emitted event is acknowledged by
the broker. The raw loop reads the same records with a bare aiokafka consumer.
Uses the local stack (`./dev up`), a scratch database and scratch topics.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from datetime import UTC, datetime

import asyncpg
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer
from credmarket_events.catalog import OfferingRetiredV1, ProviderRegisteredV1
from credmarket_events.envelope import Envelope, encode
from credmarket_platform.db import Database, platform_metadata
from credmarket_platform.db.tables import outbox
from credmarket_platform.messaging.consumer import ConsumerRunner, running_consumer
from credmarket_platform.messaging.handlers import HandlerContext, HandlerRegistry
from credmarket_platform.messaging.kafka import ensure_topics, idempotent_producer
from credmarket_platform.messaging.relay import running_relay
from credmarket_platform.settings import ServiceSettings

bench_metadata = sa.MetaData()
providers = sa.Table(
    "bench_providers",
    bench_metadata,
    sa.Column("provider_id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
)


def env(name: str, default: str) -> str:
    return os.environ.get(name, default)


async def produce_input(bootstrap: str, topic: str, n: int) -> None:
    producer = idempotent_producer(bootstrap, client_id="bench-input")
    await producer.start()
    try:
        for i in range(n):
            e = Envelope(
                data=ProviderRegisteredV1(
                    provider_id=uuid.uuid4(),
                    name=f"provider {i}",
                    contact_email="ops@example.org",
                    registered_at=datetime.now(UTC),
                ),
                source="/bench",
            )
            m = encode(e)
            await producer.send(topic, m.value, key=m.key, headers=m.headers)
        await producer.flush()
    finally:
        await producer.stop()


async def raw_consume(bootstrap: str, topic: str, n: int) -> float:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-raw-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        seen = 0
        started = None
        while seen < n:
            batch = await consumer.getmany(timeout_ms=1000, max_records=500)
            if started is None and batch:
                started = time.perf_counter()
            for tp, records in batch.items():
                seen += len(records)
                await consumer.commit({tp: records[-1].offset + 1})
        assert started is not None
        return n / (time.perf_counter() - started)
    finally:
        await consumer.stop()


async def pipeline(db: Database, bootstrap: str, prefix: str, n: int) -> float:
    registry = HandlerRegistry()

    async def handle(ctx: HandlerContext[ProviderRegisteredV1]) -> None:
        await ctx.uow.session.execute(
            sa.insert(providers).values(provider_id=ctx.data.provider_id, name=ctx.data.name)
        )
        ctx.emit(
            OfferingRetiredV1(
                offering_id=ctx.data.provider_id,
                provider_id=ctx.data.provider_id,
                version=1,
                retired_at=datetime.now(UTC),
            )
        )

    registry.register(ProviderRegisteredV1, handle)
    runner = ConsumerRunner(
        db,
        registry,
        bootstrap=bootstrap,
        group=f"{prefix}bench",
        topics=[prefix + "catalog.providers"],
        source="/bench",
    )
    started = time.perf_counter()
    async with running_relay(db, bootstrap, service="bench"), running_consumer(runner):
        while True:
            async with db.engine.connect() as conn:
                sent = await conn.scalar(
                    sa.select(sa.func.count())
                    .select_from(outbox)
                    .where(outbox.c.sent_at.is_not(None))
                )
            if sent and sent >= n:
                break
            await asyncio.sleep(0.05)
    return n / (time.perf_counter() - started)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    settings = ServiceSettings()
    bootstrap = settings.kafka_bootstrap
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    user = env("CREDMARKET_PG_USER", "credmarket")
    password = env("CREDMARKET_PG_PASSWORD", "credmarket-dev")
    host = env("CREDMARKET_PG_HOST", "127.0.0.1")
    port = env("CREDMARKET_PG_PORT", "15432")
    pg = f"postgresql://{user}:{password}@{host}:{port}"
    dbname = prefix.rstrip(".")
    admin = await asyncpg.connect(pg + "/postgres")
    await admin.execute(f'CREATE DATABASE "{dbname}"')
    await admin.close()
    db = Database(pg.replace("postgresql://", "postgresql+asyncpg://") + "/" + dbname)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(platform_metadata.create_all)
            await conn.run_sync(bench_metadata.create_all)
        topics = [prefix + "catalog.providers", prefix + "catalog.offerings"]
        await ensure_topics(bootstrap, topics, partitions=6)
        await produce_input(bootstrap, topics[0], args.events)
        raw = await raw_consume(bootstrap, topics[0], args.events)
        full = await pipeline(db, bootstrap, prefix, args.events)
        print(f"events: {args.events}")
        print(f"raw aiokafka consume loop:                       {raw:10.0f} events/s")
        print(f"consume -> handler tx (inbox) -> outbox -> relay: {full:10.0f} events/s")
        print(f"ratio raw/pipeline: {raw / full:.1f}x")
    finally:
        await db.dispose()
        admin = await asyncpg.connect(pg + "/postgres")
        await admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
