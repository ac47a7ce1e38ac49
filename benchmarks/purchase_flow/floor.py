"""The floors: on the same broker and server, an aiokafka produce→consume round trip
(acks=all, idempotent producer) and one PostgreSQL commit (single-row INSERT); and the
system's own idle cost, the CPU it burns with no traffic at all."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from credmarket_testing.infra import Infra
from credmarket_testing.kafka import create_topics, delete_topics

from benchmarks import cpu
from benchmarks.common import percentiles


async def kafka_floor(infra: Infra, n: int = 500) -> dict[str, Any]:
    topic = f"bench-floor-{uuid.uuid4().hex[:8]}"
    await create_topics(infra.kafka_bootstrap, [topic], partitions=1)
    producer = AIOKafkaProducer(
        bootstrap_servers=infra.kafka_bootstrap, enable_idempotence=True, acks="all"
    )
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=infra.kafka_bootstrap, auto_offset_reset="earliest"
    )
    await producer.start()
    await consumer.start()
    rtts: list[float] = []
    try:
        await producer.send_and_wait(topic, b"warm")
        await consumer.getone()
        for i in range(n):
            t0 = time.perf_counter()
            await producer.send(topic, str(i).encode())
            await consumer.getone()
            rtts.append((time.perf_counter() - t0) * 1000)
    finally:
        await consumer.stop()
        await producer.stop()
        await delete_topics(infra.kafka_bootstrap, [topic])
    return {"produce_consume_rtt_ms": percentiles(rtts, 3)}


async def postgres_floor(dsn: str, n: int = 500) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn)
    times: list[float] = []
    try:
        await conn.execute("CREATE TABLE IF NOT EXISTS bench_floor (id uuid PRIMARY KEY, v text)")
        for i in range(n):
            t0 = time.perf_counter()
            async with conn.transaction():
                await conn.execute(
                    "INSERT INTO bench_floor VALUES ($1, $2)", uuid.uuid4(), f"row {i}"
                )
            times.append((time.perf_counter() - t0) * 1000)
        await conn.execute("DROP TABLE bench_floor")
    finally:
        await conn.close()
    return {"insert_commit_ms": percentiles(times, 3)}


IDLE_S = 15.0


async def idle_cost(seconds: float) -> dict[str, Any]:
    """CPU each component burns with no traffic at all: the system's fixed cost.

    Polls, heartbeats, relays' back-up polls and sweeps cost this whatever the load, so
    at a light load it is shared by few flows: what makes a flow dearer at half load.
    """
    before, started = cpu.snapshot(), time.monotonic()
    await asyncio.sleep(seconds)
    elapsed = time.monotonic() - started
    return {"seconds": round(elapsed, 1), "cpu_cores": cpu.usage(before, cpu.snapshot(), elapsed)}
