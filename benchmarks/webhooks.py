"""Webhook deliveries per second to a fast local receiver, and the latency webhooks add
from an event to its delivery (ADR 0023).

    uv run python benchmarks/webhooks.py [--events 3000] [--endpoints 8] [--rate 50]

catalog in process (its consumer and delivery worker, one process) on the local stack
(`./dev up --infra-only`), a scratch database and scratch topics; a receiver that
answers 204 at once (uvicorn, same machine). Two phases:

- throughput: ``--events`` enrollment.activated events produced in a burst, spread over
  ``--endpoints`` providers with one endpoint each; deliveries/s from the first event
  produced to the last delivery received.
- latency: ``--rate`` events/s for ``--seconds``; per delivery, the time from the event
  (its CloudEvents ``time``, set as it is produced) to its arrival at the receiver: what
  webhooks add after an event exists (consume, fan-out, claim, sign, send).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import sqlalchemy as sa
import uvicorn
from aiokafka import AIOKafkaProducer
from catalog.app import create_app
from catalog.settings import CatalogSettings
from credmarket_events.enrollment import EnrollmentActivatedV1
from credmarket_events.envelope import Envelope, encode
from credmarket_events.topics import TOPICS
from credmarket_platform.auth import mint_token
from credmarket_platform.db.migrations import upgrade_async
from credmarket_testing.kafka import create_topics, delete_topics
from credmarket_testing.ports import free_port
from credmarket_testing.wait import wait_until
from credmarket_testing.webhook_receiver import read_body

from benchmarks.common import machine, percentiles, stack_infra, stop_cleanly_on_sigterm

MIGRATIONS = Path(__file__).resolve().parent.parent / "services/catalog/src/catalog/db/migrations"
SECRET = "benchmark-dev-secret-of-at-least-32-bytes!"  # noqa: S105 - dev mode only


class FastReceiver:
    """204 at once; notes when each webhook-id first arrived and its event's time."""

    def __init__(self) -> None:
        self.arrivals: dict[str, tuple[float, str]] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        now = time.time()
        headers = dict(scope["headers"])
        webhook_id = headers.get(b"webhook-id", b"").decode()
        if webhook_id not in self.arrivals:
            self.arrivals[webhook_id] = (now, json.loads(body)["time"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def serve(app: Any, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    # uvicorn offers no started event.
    await wait_until(lambda: server.started, timeout=10, interval=0.01, message="not serving")
    return server, task


async def wait_for(count: int, receiver: FastReceiver, within_s: float) -> None:
    await wait_until(
        lambda: len(receiver.arrivals) >= count,
        timeout=within_s,
        interval=0.01,
        message=lambda: f"only {len(receiver.arrivals)} of {count} arrived",
    )


async def wait_enqueued(app: Any, count: int) -> float:
    engine = app.state.runtime.db.engine

    async def enqueued() -> bool:
        async with engine.connect() as conn:
            n = await conn.scalar(sa.text("SELECT count(*) FROM webhook_messages"))
        return (n or 0) >= count

    await wait_until(enqueued, timeout=600, message=f"{count} webhook messages not enqueued")
    return time.perf_counter()


async def latency_hops(app: Any, last: int) -> dict[str, Any]:
    """Where the latency goes, from the delivery log: event -> enqueued (the consumer
    and the fan-out), enqueued -> delivered (claim, sign, send, record)."""
    async with app.state.runtime.db.engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.text(
                    "SELECT extract(epoch FROM enqueued_at - event_time) * 1000,"
                    " extract(epoch FROM delivered_at - enqueued_at) * 1000"
                    " FROM webhook_messages ORDER BY seq DESC LIMIT :n"
                ),
                {"n": last},
            )
        ).all()
    return {
        "event_to_enqueued": percentiles([float(r[0]) for r in rows], 1),
        "enqueued_to_delivered": percentiles([float(r[1]) for r in rows if r[1] is not None], 1),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--endpoints", type=int, default=8)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    stop_cleanly_on_sigterm()
    infra = stack_infra()
    tag = f"benchhooks{uuid.uuid4().hex[:6]}"
    prefix = f"{tag}."
    admin = await asyncpg.connect(infra.admin_dsn())
    await admin.execute(f'CREATE DATABASE "{tag}"')
    await admin.close()
    await create_topics(
        infra.kafka_bootstrap,
        [prefix + t.name for t in TOPICS],
        partitions=6,
    )
    url = infra.database_url(tag)
    await upgrade_async(MIGRATIONS, url)
    settings = CatalogSettings(
        database_url=url,
        topic_prefix=prefix,
        kafka_bootstrap=infra.kafka_bootstrap,
        jwt_issuers="credmarket-dev",
        jwt_dev_secret=SECRET,
        dev_mode=True,
        signing_kek=base64.b64encode(os.urandom(32)).decode(),
        search_backend="database",
        log_json=False,
        log_level="WARNING",
    )
    receiver = FastReceiver()
    receiver_server, receiver_task = await serve(receiver, free_port())
    receiver_url = f"http://127.0.0.1:{receiver_server.config.port}/hooks"
    app = create_app(settings)
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, linger_ms=5)
    await producer.start()
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://catalog.bench"
            ) as client,
        ):
            token = mint_token("ops", "ops", issuer="credmarket-dev", secret=SECRET)
            ops = {"Authorization": f"Bearer {token}"}
            providers: list[uuid.UUID] = []
            for i in range(args.endpoints):
                registered = await client.post(
                    "/v1/providers",
                    json={"name": f"Bench {i}", "contact_email": "b@bench.example"},
                    headers=ops,
                )
                provider_id = registered.json()["provider"]["id"]
                created = await client.post(
                    f"/v1/providers/{provider_id}/webhook-endpoints",
                    json={"url": receiver_url, "event_types": [EnrollmentActivatedV1.event_type]},
                    headers=ops,
                )
                assert created.status_code == 201, created.text
                providers.append(uuid.UUID(provider_id))

            async def produce(i: int) -> None:
                data = EnrollmentActivatedV1(
                    enrollment_id=uuid.uuid4(),
                    learner_id=uuid.uuid4(),
                    offering_id=uuid.uuid4(),
                    provider_id=providers[i % len(providers)],
                    activated_at=datetime.now(UTC),
                    via="free",
                )
                msg = encode(Envelope(data=data, source="/enrollment"))
                await producer.send(
                    prefix + msg.topic, msg.value, key=msg.key, headers=list(msg.headers)
                )

            # Warm-up: the consumer joins its group, the worker's connections open.
            for i in range(args.endpoints):
                await produce(i)
            await producer.flush()
            await wait_for(args.endpoints, receiver, 120)

            started = time.perf_counter()
            for i in range(args.events):
                await produce(i)
            await producer.flush()
            # When the consumer had fanned every event out: what delivery then waits on.
            enqueued_at = await wait_enqueued(app, args.endpoints + args.events) - started
            await wait_for(args.endpoints + args.events, receiver, 600)
            elapsed = time.perf_counter() - started
            throughput = args.events / elapsed

            before = len(receiver.arrivals)
            steady = int(args.rate * args.seconds)
            latency_ids_start = before
            t0 = time.perf_counter()
            for i in range(steady):
                due = t0 + i / args.rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                await produce(i)
                await producer.flush()
            await wait_for(before + steady, receiver, 120)
            hops = await latency_hops(app, steady)
            latencies = []
            for arrived, event_time in list(receiver.arrivals.values())[latency_ids_start:]:
                produced = datetime.fromisoformat(event_time.replace("Z", "+00:00")).timestamp()
                latencies.append((arrived - produced) * 1000)
    finally:
        await producer.stop()
        receiver_server.should_exit = True
        await receiver_task
        await delete_topics(infra.kafka_bootstrap, [prefix + t.name for t in TOPICS])
        admin = await asyncpg.connect(infra.admin_dsn())
        await admin.execute(f'DROP DATABASE IF EXISTS "{tag}" WITH (FORCE)')
        await admin.close()

    latency = {"rate_per_s": args.rate, **percentiles(latencies, 1)}
    result: dict[str, Any] = {
        "benchmark": "webhooks",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "throughput": {
            "events": args.events,
            "endpoints": args.endpoints,
            "seconds": round(elapsed, 2),
            "deliveries_per_s": round(throughput, 1),
            "all_enqueued_after_s": round(enqueued_at, 2),
        },
        "latency_ms": latency,
        "latency_hops_ms": hops,
    }
    print(json.dumps(result, indent=2))
    print(
        f"\n{throughput:.0f} deliveries/s ({args.events} events, {args.endpoints} endpoints); "
        f"event -> delivery at {args.rate:g}/s: p50 {latency.get('p50')} ms, "
        f"p99 {latency.get('p99')} ms"
    )
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
