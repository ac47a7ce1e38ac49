"""How long an event takes through the reliable pipeline when traffic is light.

    uv run python -m benchmarks.messaging_latency [--chain 100] [--rate 20] [--seconds 10]

From the commit of the transaction that emits an event to the moment the consumer's
handler runs it (outbox → relay → Kafka → ConsumerRunner with its inbox), in two
patterns a light-loaded marketplace shows:

- chain: one event at a time on one partition, each emitted as soon as the previous one
  was handled, as a purchase's steps follow one another (one key, so one partition);
- trickle: events on random keys at a fixed low rate (open loop).

Prints p50/p95/p99/max in milliseconds and this process's CPU per event. Uses the local
stack (`./dev up --infra-only`): a scratch database and scratch topics, dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from typing import Any

import sqlalchemy as sa
import uvloop
from aiokafka.partitioner import DefaultPartitioner
from credmarket_events.catalog import ProviderRegisteredV1
from credmarket_platform.db import Database
from credmarket_platform.messaging.consumer import ConsumerRunner, running_consumer
from credmarket_platform.messaging.handlers import HandlerContext, HandlerRegistry
from credmarket_platform.messaging.kafka import ensure_topics
from credmarket_platform.messaging.relay import running_relay
from credmarket_platform.settings import ServiceSettings

from benchmarks.common import loadavg
from benchmarks.messaging_throughput import (
    TOPIC,
    event,
    providers,
    scratch_database,
)


class Handled:
    """When each event's handler ran, and a waiter per event."""

    def __init__(self) -> None:
        self.waiters: dict[uuid.UUID, asyncio.Future[float]] = {}

    def expect(self, provider_id: uuid.UUID) -> asyncio.Future[float]:
        waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiters[provider_id] = waiter
        return waiter

    def runner(self, db: Database, bootstrap: str, prefix: str) -> ConsumerRunner:
        registry = HandlerRegistry()

        async def handle(ctx: HandlerContext[ProviderRegisteredV1]) -> None:
            await ctx.uow.session.execute(
                sa.insert(providers).values(provider_id=ctx.data.provider_id, name=ctx.data.name)
            )
            waiter = self.waiters.get(ctx.data.provider_id)
            if waiter is not None and not waiter.done():
                waiter.set_result(time.perf_counter())

        registry.register(ProviderRegisteredV1, handle)
        return ConsumerRunner(
            db,
            registry,
            bootstrap=bootstrap,
            group=f"{prefix}lat",
            topics=[prefix + TOPIC],
            source="/bench",
        )


PARTITIONS = 6
_partitioner = DefaultPartitioner()


def on_partition(partition: int) -> uuid.UUID:
    """A fresh provider id whose events land on ``partition`` (Kafka's default
    partitioner over the event key): a purchase's steps share a key, so a partition."""
    every = list(range(PARTITIONS))
    while True:
        candidate = uuid.uuid4()
        if _partitioner(str(candidate).encode(), every, every) == partition:
            return candidate


async def emit_one(db: Database, handled: Handled, i: int, partition: int | None) -> float:
    """Emit one event; its latency in ms once handled."""
    data = event(i)
    if partition is not None:
        data = data.model_copy(update={"provider_id": on_partition(partition)})
    waiter = handled.expect(data.provider_id)
    async with db.unit_of_work() as uow:
        uow.emit_new(data, source="/bench")
        await uow.commit()
    committed = time.perf_counter()
    return (await asyncio.wait_for(waiter, 30.0) - committed) * 1000


def summary(latencies: list[float], cpu_s: float) -> dict[str, float]:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2)

    return {
        "events": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(ordered[-1], 2),
        "cpu_us_per_event": round(cpu_s * 1e6 / len(ordered)),
    }


async def measure(chain: int, rate: float, seconds: float) -> dict[str, Any]:
    bootstrap = ServiceSettings().kafka_bootstrap
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    before = loadavg()
    handled = Handled()
    async with scratch_database(prefix) as db:
        await ensure_topics(bootstrap, [prefix + TOPIC], partitions=PARTITIONS)
        runner = handled.runner(db, bootstrap, prefix)
        async with running_relay(db, bootstrap, service="bench"), running_consumer(runner):
            await emit_one(db, handled, -1, None)  # the group has joined and fetches
            cpu = time.process_time()
            chained = [await emit_one(db, handled, i, 0) for i in range(chain)]
            chain_result = summary(chained, time.process_time() - cpu)

            cpu = time.process_time()
            tasks: list[asyncio.Task[float]] = []
            started = time.perf_counter()
            for i in range(int(rate * seconds)):
                # Open loop: the next event leaves on schedule whatever the last one does.
                await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
                tasks.append(asyncio.create_task(emit_one(db, handled, chain + i, None)))
            trickle = await asyncio.gather(*tasks)
            trickle_result = summary(list(trickle), time.process_time() - cpu)
    return {
        "chain": chain_result,
        "trickle": {"rate_per_s": rate, **trickle_result},
        "load_before": before,
        "load_after": loadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chain", type=int, default=100)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args()
    result = uvloop.run(measure(args.chain, args.rate, args.seconds))
    if args.json:
        print(json.dumps(result))
        return
    for phase in ("chain", "trickle"):
        print(phase, json.dumps(result[phase]))
    print("load", result["load_before"], "->", result["load_after"])


if __name__ == "__main__":
    main()
