"""Purchase to credential: flows per second and the latency of every hop.

    uv run python -m benchmarks.purchase_flow [--n 2000] [--rate R] [--max-inflight 100]
        [--webhook self|localstripe] [--out result.json]

Starts its own `System` (the four services as separate processes, each with its own
database and its own copy of every topic) on the local stack's broker, PostgreSQL and
localstripe, so it shares nothing with the developer's running services. Then drives
N paid purchases as the frontend, Stripe.js, Stripe and the provider would:

1. learner: ``POST /v1/enrollments`` (a fresh learner per flow, one paid offering);
2. payments creates the PaymentIntent at localstripe and emits PaymentInitiated;
3. Stripe.js: payment method, attach, confirm at localstripe (three calls);
4. Stripe: the ``payment_intent.succeeded`` webhook, either delivered by this driver
   right after the confirm, signed exactly as Stripe signs (``t=…,v1=HMAC-SHA256``
   over ``"{t}.{payload}"`` with the endpoint secret; payments checks it with the
   Stripe SDK) — ``--webhook self``, the default — or by localstripe itself, which
   sleeps 1 s before every delivery (``--webhook localstripe``);
5. payments emits PaymentSucceeded, enrollment activates (EnrollmentActivated);
6. provider: ``POST /v1/enrollments/{id}/completion``; enrollment emits
   EnrollmentCompleted; issuance signs the credential and emits CredentialIssued.

The driver learns of PaymentInitiated, EnrollmentActivated and CredentialIssued from
the system's topics (a plain consumer standing in for the frontend's notifications)
instead of polling ``GET /v1/enrollments/{id}``, so it adds no read load. After the
run it reads every event of every flow from the topics once more and takes their
``ce_time`` headers (set when the emitting transaction ran) and the record timestamps
(set when the relay published): hop latencies join those with client timestamps,
all wall-clock on this one machine.

Two phases: ``max`` starts N flows as fast as ``--max-inflight`` allows and reports
completed flows/s; then ``fixed`` offers ``--rate`` flows/s (open loop: a flow starts
on schedule whatever the others are doing), by default half the rate ``max`` sustained.
Each phase records the CPU each component used (``benchmarks/cpu.py``) per flow.
A raw floor runs in the same process: aiokafka produce→consume round trip (acks=all,
idempotent producer) and one PostgreSQL commit (single-row INSERT) on the same broker
and server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import random
import secrets
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from credmarket_testing.infra import Infra
from credmarket_testing.kafka import create_topics, delete_topics
from credmarket_testing.ports import free_port
from credmarket_testing.stripe_webhooks import stripe_signature
from credmarket_testing.system import System

from benchmarks import cpu
from benchmarks.common import (
    STACK,
    loadavg,
    machine,
    percentiles,
    stack_infra,
    stop_cleanly_on_sigterm,
)

log = logging.getLogger("purchase_flow")

T_REQUESTED = "credmarket.enrollment.enrollment.requested.v1"
T_ACTIVATED = "credmarket.enrollment.enrollment.activated.v1"
T_COMPLETED = "credmarket.enrollment.enrollment.completed.v1"
T_INITIATED = "credmarket.payments.payment.initiated.v1"
T_SUCCEEDED = "credmarket.payments.payment.succeeded.v1"
T_ISSUED = "credmarket.issuance.credential.issued.v1"
TOPICS = ("enrollment.enrollments", "payments.payments", "issuance.credentials")
BROWSER_KEY = "sk_test_credmarket_browser"
CARD = "4242424242424242"

HOPS: dict[str, str] = {
    "purchase_request": "POST /v1/enrollments sent → EnrollmentRequested (ce_time)",
    "payment_initiated": "EnrollmentRequested → PaymentInitiated (relay, consume, "
    "create PaymentIntent at localstripe, commit)",
    "client_pays": "PaymentInitiated → webhook sent (driver sees the event, Stripe.js "
    "3 calls at localstripe[, localstripe's 1 s delay]) — not ours",
    "webhook_to_activated": "webhook sent → EnrollmentActivated (verify, commit, relay, "
    "consume in enrollment, commit)",
    "completion_to_credential": "POST completion sent → CredentialIssued seen by a consumer "
    "(commit, relay, consume in issuance, sign, commit, relay, broker, consumer fetch)",
    "completion_to_credential_ce_time": "the same, to CredentialIssued's ce_time (stamped "
    "before issuance commits and the relay publishes): the figure reported before issue 24",
    "end_to_end": "POST /v1/enrollments sent → CredentialIssued seen by a consumer",
    "ours": "end_to_end minus client_pays and minus the driver's reaction to "
    "EnrollmentActivated: the time spent in our services and the broker",
}


@dataclass
class Flow:
    index: int
    learner: str
    enrollment_id: str = ""
    t: dict[str, float] = field(default_factory=dict)
    client_secret: str = ""
    error: str = ""
    activated: asyncio.Event = field(default_factory=asyncio.Event)
    initiated: asyncio.Event = field(default_factory=asyncio.Event)
    issued: asyncio.Event = field(default_factory=asyncio.Event)


class Driver:
    def __init__(
        self, system: System, http: aiohttp.ClientSession, self_webhook: bool, offering: Any
    ) -> None:
        self.system = system
        self.http = http
        self.self_webhook = self_webhook
        self.offering = offering
        self.flows: dict[str, Flow] = {}
        self.early: dict[str, list[tuple[Any, float]]] = {}
        self.provider_token = ""
        self.stripe = system.infra.stripe_api_base
        self.auth_browser = {"Authorization": f"Bearer {BROWSER_KEY}"}
        self.shed = 0  # 503 answers retried (load shedding)

    # -- the tail standing in for the frontend's notifications ----------------------
    async def tail(self, ready: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(
            *[self.system.topic(t) for t in TOPICS],
            bootstrap_servers=self.system.infra.kafka_bootstrap,
            group_id=f"{self.system.prefix}-bench-tail",
            auto_offset_reset="latest",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            while not consumer.assignment():
                await consumer.getmany(timeout_ms=100)
            ready.set()
            while True:
                batches = await consumer.getmany(timeout_ms=200, max_records=2000)
                now = time.time()
                for records in batches.values():
                    for record in records:
                        self._seen(record, now)
        finally:
            await consumer.stop()

    def _seen(self, record: Any, now: float) -> None:
        headers = {k: v.decode() for k, v in record.headers}
        kind = headers.get("ce_type")
        if kind not in (T_INITIATED, T_ACTIVATED, T_ISSUED):
            return
        data = json.loads(record.value)
        enrollment_id = str(data.get("enrollment_id"))
        flow = self.flows.get(enrollment_id)
        if flow is None:
            # The event can overtake the purchase's own HTTP answer under load: keep it
            # for the flow that registers this enrollment id (see register()).
            self.early.setdefault(enrollment_id, []).append((record, now))
            return
        self._apply(flow, kind, data, now)

    def register(self, flow: Flow) -> None:
        self.flows[flow.enrollment_id] = flow
        for record, seen_at in self.early.pop(flow.enrollment_id, []):
            self._seen(record, seen_at)

    @staticmethod
    def _apply(flow: Flow, kind: str, data: dict[str, Any], now: float) -> None:
        if kind == T_INITIATED:
            flow.client_secret = data["client_secret"]
            flow.t.setdefault("initiated_seen", now)
            flow.initiated.set()
        elif kind == T_ACTIVATED:
            flow.t.setdefault("activated_seen", now)
            flow.activated.set()
        else:
            flow.t.setdefault("issued_seen", now)
            flow.issued.set()

    async def _post(self, url: str, **kwargs: Any) -> tuple[int, Any]:
        """POST as a well-behaved client: a 503 with Retry-After (a service shedding
        load) is retried after the time it asks for, with the same Idempotency-Key."""
        while True:
            async with self.http.post(url, **kwargs) as response:
                if response.status == 503 and "Retry-After" in response.headers:
                    self.shed += 1
                    # Jittered, as clients must: shed requests retried all at once
                    # one second later would be shed again together.
                    delay = float(response.headers["Retry-After"]) * random.uniform(1.0, 2.0)
                else:
                    body = await response.read()
                    return response.status, json.loads(body) if body else None
            await asyncio.sleep(delay)

    # -- one purchase, start to credential -------------------------------------------
    async def flow(self, flow: Flow, timeout_s: float) -> None:
        try:
            await asyncio.wait_for(self._flow(flow), timeout_s)
        except Exception as exc:
            flow.error = f"{type(exc).__name__}: {exc}"[:300]

    async def _flow(self, flow: Flow) -> None:
        flow.t["request_sent"] = time.time()
        status, body = await self._post(
            f"{self.system.url('enrollment')}/v1/enrollments",
            json={"offering_id": self.offering["id"], "offering_version": self.offering["version"]},
            headers={
                "Authorization": f"Bearer {flow.learner}",
                "Idempotency-Key": str(uuid.uuid4()),
            },
        )
        if status != 201:
            raise RuntimeError(f"purchase {status}: {body}")
        flow.enrollment_id = body["id"]
        flow.t["request_acked"] = time.time()
        self.register(flow)
        await flow.initiated.wait()
        intent = await self._pay(flow.client_secret)
        flow.t["confirmed"] = time.time()
        if self.self_webhook:
            flow.t["webhook_sent"] = time.time()
            await self._webhook(intent)
        await flow.activated.wait()
        flow.t["completion_sent"] = time.time()
        status, body = await self._post(
            f"{self.system.url('enrollment')}/v1/enrollments/{flow.enrollment_id}/completion",
            json={"passed": True, "score": 92.5, "evidence_narrative": "Final project."},
            headers={
                "Authorization": f"Bearer {self.provider_token}",
                "Idempotency-Key": str(uuid.uuid4()),
            },
        )
        if status not in (200, 201):
            raise RuntimeError(f"completion {status}: {body}")
        flow.t["completion_acked"] = time.time()
        await flow.issued.wait()

    async def _pay(self, client_secret: str) -> dict[str, Any]:
        """Stripe.js confirmCardPayment against localstripe (see infra demo stripe_js)."""
        intent_id = client_secret.split("_secret_", 1)[0]
        async with self.http.post(
            f"{self.stripe}/v1/payment_methods",
            headers=self.auth_browser,
            data={
                "type": "card",
                "card[number]": CARD,
                "card[exp_month]": "12",
                "card[exp_year]": "2034",
                "card[cvc]": "123",
            },
        ) as response:
            response.raise_for_status()
            pm = await response.json()
        async with self.http.post(
            f"{self.stripe}/v1/payment_intents/{intent_id}",
            headers=self.auth_browser,
            data={"payment_method": pm["id"]},
        ) as response:
            response.raise_for_status()
        async with self.http.post(
            f"{self.stripe}/v1/payment_intents/{intent_id}/confirm", headers=self.auth_browser
        ) as response:
            response.raise_for_status()
            intent: dict[str, Any] = await response.json()
        if intent.get("status") != "succeeded":
            raise RuntimeError(f"intent {intent_id} is {intent.get('status')}")
        return intent

    async def _webhook(self, intent: dict[str, Any]) -> None:
        """payment_intent.succeeded as Stripe would deliver it, signed with the endpoint secret."""
        created = int(time.time())
        event = {
            "id": f"evt_bench_{secrets.token_hex(12)}",
            "object": "event",
            "api_version": "2020-08-27",
            "created": created,
            "livemode": False,
            "pending_webhooks": 1,
            "type": "payment_intent.succeeded",
            "data": {"object": intent},
        }
        payload = json.dumps(event).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": stripe_signature(payload, self.system.webhook_secret, created),
        }
        # Stripe, too, delivers again when a webhook is not acknowledged.
        status, body = await self._post(
            f"{self.system.url('payments')}/v1/stripe/webhook", data=payload, headers=headers
        )
        if status != 200:
            raise RuntimeError(f"webhook {status}: {body}")

    async def run_phase(
        self, n: int, rate: float | None, max_inflight: int, timeout_s: float
    ) -> list[Flow]:
        """``rate`` flows/s on schedule (open loop); ``None``: as fast as max_inflight allows."""
        gate = asyncio.Semaphore(max_inflight)
        flows = [
            Flow(i, self.system.token("learner", email=f"learner{i}@bench.example"))
            for i in range(n)
        ]
        tasks: list[asyncio.Task[None]] = []
        loop = asyncio.get_running_loop()
        start = loop.time()

        async def one(flow: Flow) -> None:
            async with gate:
                await self.flow(flow, timeout_s)

        for flow in flows:
            if rate is not None:
                delay = start + flow.index / rate - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(flow)))
        await asyncio.gather(*tasks)
        return flows


def sustained_rate(flows: list[Flow]) -> float:
    """Completed flows per second as the driver saw them (the exact figure comes later,
    from the topics): first request sent to last credential seen."""
    done = [f for f in flows if not f.error and "issued_seen" in f.t]
    if not done:
        return 0.0
    wall = max(f.t["issued_seen"] for f in done) - min(f.t["request_sent"] for f in flows)
    return len(done) / wall if wall > 0 else 0.0


# --- after the run: every event of every flow, from the topics ------------------------
async def read_events(infra: Infra, topics: list[str]) -> dict[str, dict[str, tuple[float, float]]]:
    """enrollment id -> event type -> (ce_time, record timestamp), both epoch seconds."""
    from datetime import datetime

    consumer = AIOKafkaConsumer(
        bootstrap_servers=infra.kafka_bootstrap, enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    out: dict[str, dict[str, tuple[float, float]]] = defaultdict(dict)
    try:
        from aiokafka import TopicPartition

        parts = [
            TopicPartition(t, p)
            for t in topics
            for p in (consumer.partitions_for_topic(t) or await _partitions(consumer, t))
        ]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        end = await consumer.end_offsets(parts)
        remaining = {tp for tp in parts if end[tp] > 0}
        while remaining:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for tp, records in batches.items():
                for record in records:
                    headers = {k: v.decode() for k, v in record.headers}
                    data = json.loads(record.value)
                    enrollment = data.get("enrollment_id")
                    if enrollment:
                        ce_time = datetime.fromisoformat(headers["ce_time"]).timestamp()
                        out[str(enrollment)][headers["ce_type"]] = (
                            ce_time,
                            record.timestamp / 1000,
                        )
                    if record.offset + 1 >= end[tp]:
                        remaining.discard(tp)
    finally:
        await consumer.stop()
    return out


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()
    return consumer.partitions_for_topic(topic) or set()


def analyse(flows: list[Flow], events: dict[str, dict[str, tuple[float, float]]]) -> dict[str, Any]:
    hops: dict[str, list[float]] = defaultdict(list)
    relay: dict[str, list[float]] = defaultdict(list)
    done = [f for f in flows if not f.error and f.enrollment_id in events]
    ends: list[float] = []
    for f in done:
        ev = events[f.enrollment_id]
        if T_ISSUED not in ev:
            continue
        ce = {k: v[0] for k, v in ev.items()}
        seen_issued = f.t.get("issued_seen", ev[T_ISSUED][1])
        for kind, (c, ts) in ev.items():
            relay[kind.split(".")[-2]].append((ts - c) * 1000)
        # With localstripe's own delivery the hop starts at the confirm: it includes
        # localstripe's 1 s sleep before it posts the webhook.
        webhook_sent = f.t.get("webhook_sent", f.t["confirmed"])
        ms = {
            "purchase_request": ce[T_REQUESTED] - f.t["request_sent"],
            "payment_initiated": ce[T_INITIATED] - ce[T_REQUESTED],
            "client_pays": webhook_sent - ce[T_INITIATED],
            "webhook_to_activated": ce[T_ACTIVATED] - webhook_sent,
            # Until a consumer (the driver) actually sees CredentialIssued: its ce_time is
            # stamped before issuance commits and before the relay publishes.
            "completion_to_credential": seen_issued - f.t["completion_sent"],
            "completion_to_credential_ce_time": ce[T_ISSUED] - f.t["completion_sent"],
            "end_to_end": seen_issued - f.t["request_sent"],
        }
        ms["ours"] = (
            ms["end_to_end"] - ms["client_pays"] - (f.t["completion_sent"] - ce[T_ACTIVATED])
        )
        for name, seconds in ms.items():
            hops[name].append(seconds * 1000)
        ends.append(seen_issued)
    starts = [f.t["request_sent"] for f in flows if "request_sent" in f.t]
    wall = (max(ends) - min(starts)) if ends and starts else 0.0
    errors: dict[str, int] = defaultdict(int)
    for f in flows:
        if f.error:
            errors[f.error.split(":", 1)[0]] += 1
    return {
        "flows": len(flows),
        "completed": len(ends),
        "errors": dict(errors),
        "error_sample": next((f.error for f in flows if f.error), None),
        "wall_s": round(wall, 3),
        "completed_per_s": round(len(ends) / wall, 1) if wall else 0.0,
        "hops_ms": {name: percentiles(values) for name, values in hops.items()},
        "relay_delay_ms": {name: percentiles(values) for name, values in relay.items()},
        "end_to_end_samples_ms": [round(x, 1) for x in hops["end_to_end"]],
        "completion_to_credential_samples_ms": [
            round(x, 1) for x in hops["completion_to_credential"]
        ],
    }


# --- the raw floor ---------------------------------------------------------------------
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


# --- setting the system up -------------------------------------------------------------
async def prepare(system: System, http: aiohttp.ClientSession) -> tuple[dict[str, Any], str]:
    ops = {"Authorization": f"Bearer {system.token('ops')}"}
    catalog = system.url("catalog")
    async with http.post(
        f"{catalog}/v1/providers",
        json={"name": "Bench Academy", "contact_email": "bench@academy.example"},
        headers={**ops, "Idempotency-Key": str(uuid.uuid4())},
    ) as r:
        registered = await r.json()
        assert r.status == 201, registered
    async with http.post(
        f"{catalog}/v1/provider-tokens", json={"api_key": registered["api_key"]["key"]}
    ) as r:
        provider = (await r.json())["access_token"]
    auth = {"Authorization": f"Bearer {provider}"}
    async with http.post(
        f"{catalog}/v1/provider/offerings",
        json={
            "title": "Benchmarking Python Services",
            "description": "A short course with a graded final project.",
            "skills": ["python", "performance"],
            "level": "intermediate",
            "duration_minutes": 600,
            "language": "en",
            "price": {"amount": 4900, "currency": "EUR"},
            "achievement": {
                "name": "Benchmarking — Certified",
                "description": "Completed the course and passed its final project.",
                "criteria_narrative": "Pass the final project with at least 70%.",
                "image_url": "https://academy.example/badges/badge.png",
                "valid_for_days": 730,
            },
        },
        headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
    ) as r:
        draft = await r.json()
        assert r.status == 201, draft
    async with http.post(
        f"{catalog}/v1/provider/offerings/{draft['id']}/publish",
        headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
    ) as r:
        offering = await r.json()
        assert r.status in (200, 201), offering
    # Enrollment learns of the offering from catalog's events; issuance of the provider.
    deadline = time.monotonic() + 30
    while True:
        learner = system.token("learner", email="first@bench.example")
        async with http.post(
            f"{system.url('enrollment')}/v1/enrollments",
            json={"offering_id": offering["id"], "offering_version": offering["version"]},
            headers={"Authorization": f"Bearer {learner}", "Idempotency-Key": str(uuid.uuid4())},
        ) as r:
            if r.status == 201:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"enrollment never learned the offering: {await r.text()}")
        await asyncio.sleep(0.2)
    return offering, provider


async def localstripe_webhook(system: System, deliver: bool) -> None:
    """Let localstripe deliver to this system's payments, or not at all (events: none)."""
    data = {"url": f"{system.url('payments')}/v1/stripe/webhook", "secret": system.webhook_secret}
    if not deliver:
        data["events[0]"] = "none"
    url = f"{system.infra.stripe_api_base}/_config/webhooks/{system.prefix}"
    async with aiohttp.ClientSession() as http, http.post(url, data=data) as r:
        r.raise_for_status()


@contextlib.asynccontextmanager
async def private_localstripe() -> AsyncIterator[str]:
    """A localstripe of our own, from scratch: the stack's one is shared by every test run.

    It holds every object all test sessions ever created, and exporting a charge scans
    every refund in the store, so its cost per call grows with the whole team's history;
    it also posts each event to every webhook any session registered.
    """
    port = free_port()
    state = Path(tempfile.mkdtemp(prefix="bench-stripe-")) / "state.pickle"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "credmarket_infra.stack.localstripe_server",
        "--port",
        str(port),
        "--state",
        str(state),
        "--from-scratch",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    async with http.get(
                        f"{base}/v1/customers", auth=aiohttp.BasicAuth("sk_test_x")
                    ):
                        break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        await proc.wait()


async def run(
    n: int,
    rate: float | None,
    max_inflight: int,
    webhook: str,
    localstripe_n: int,
    log_level: str,
    timeout_s: float,
    shared_stripe: bool = False,
) -> dict[str, Any]:
    async with contextlib.AsyncExitStack() as stack:
        infra = stack_infra()
        if not shared_stripe:
            infra = dataclasses.replace(
                infra, stripe_api_base=await stack.enter_async_context(private_localstripe())
            )
        result = await _run(
            infra, n, rate, max_inflight, webhook, localstripe_n, log_level, timeout_s
        )
        result["setup"]["localstripe"] = "shared (the stack's)" if shared_stripe else "private"
        return result


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


async def _run(
    infra: Infra,
    n: int,
    rate: float | None,
    max_inflight: int,
    webhook: str,
    localstripe_n: int,
    log_level: str,
    timeout_s: float,
) -> dict[str, Any]:
    system = System(
        infra,
        logs_dir=STACK / "logs" / "bench",
        extra_env={
            "CREDMARKET_LOG_LEVEL": log_level,
            "CREDMARKET_ENROLLMENT_PAYMENT_WINDOW_S": "3600",
        },
    )
    result: dict[str, Any] = {
        "benchmark": "purchase_flow",
        "machine": machine(),
        "setup": {
            "system": "credmarket_testing.System: 4 services, 1 process each, own databases "
            "and topics (6 partitions) on the local stack's Kafka/PostgreSQL/localstripe",
            "log_level": log_level,
            "webhook": webhook,
            "n": n,
            "rate": rate,
            "max_inflight": max_inflight,
        },
        "hops": HOPS,
    }
    await system.start()
    try:
        # uvicorn closes a keep-alive connection idle for 5 s; a client that keeps it
        # longer (aiohttp: 15 s) sometimes sends on a socket the server just closed.
        connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, keepalive_timeout=4)
        async with aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=60)
        ) as http:
            offering, provider = await prepare(system, http)
            result["floor"] = {
                **(await kafka_floor(infra)),
                **(
                    await postgres_floor(
                        system.database_url("enrollment").replace(
                            "postgresql+asyncpg://", "postgresql://"
                        )
                    )
                ),
                "load_after": loadavg(),
            }
            result["idle"] = await idle_cost(IDLE_S)
            # The max phase first: the fixed phase's default rate is half of what the
            # system just sustained ("p99 ... at half that rate", issue 11).
            phases: list[tuple[str, int, float | None, bool]] = [
                ("max", n, None, webhook == "self"),
                ("fixed", n, rate, webhook == "self"),
            ]
            if localstripe_n:
                phases.append(("localstripe_delivery", localstripe_n, rate, False))
            all_flows: dict[str, list[Flow]] = {}
            driver = Driver(system, http, True, offering)
            driver.provider_token = provider
            ready = asyncio.Event()
            tail = asyncio.create_task(driver.tail(ready))
            await asyncio.wait_for(ready.wait(), 30)
            sustained: float | None = None
            for name, count, phase_rate, self_webhook in phases:
                if phase_rate is None and name != "max":
                    phase_rate = round(max(1.0, (sustained or 2.0) / 2), 1)
                await localstripe_webhook(system, deliver=not self_webhook)
                driver.self_webhook = self_webhook
                load_before = loadavg()
                log.warning("phase %s: %d flows at %s/s", name, count, phase_rate or "max")
                cpu_before, started = cpu.snapshot(), time.monotonic()
                flows = await driver.run_phase(count, phase_rate, max_inflight, timeout_s)
                elapsed = time.monotonic() - started
                cores = cpu.usage(cpu_before, cpu.snapshot(), elapsed)
                all_flows[name] = flows
                done = sum(1 for f in flows if not f.error) or 1
                if name == "max":
                    sustained = sustained_rate(flows)
                shed, driver.shed = driver.shed, 0
                result.setdefault("phases", {})[name] = {
                    "shed_and_retried": shed,
                    "rate_offered": phase_rate,
                    "load_before": load_before,
                    "load_after": loadavg(),
                    "cpu_cores": cores,
                    "cpu_ms_per_flow": {
                        k: round(v * elapsed * 1000 / done, 2) for k, v in cores.items()
                    },
                }
                await asyncio.sleep(1)
            tail.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await tail
            events = await read_events(infra, [system.topic(t) for t in TOPICS])
            for name, flows in all_flows.items():
                result["phases"][name].update(analyse(flows, events))
    finally:
        await system.stop()
    return result


def summary(result: dict[str, Any]) -> str:
    lines = [f"load now {loadavg()}"]
    floor = result.get("floor", {})
    for key, value in floor.items():
        lines.append(f"floor {key}: {value}")
    idle = result.get("idle")
    if idle:
        lines.append(
            f"idle {idle['seconds']} s, cpu cores: "
            + ", ".join(f"{k} {v}" for k, v in sorted(idle["cpu_cores"].items()))
        )
    for name, phase in result.get("phases", {}).items():
        lines.append(
            f"{name}: offered {phase['rate_offered'] or 'max'}/s, completed "
            f"{phase['completed']}/{phase['flows']} at {phase['completed_per_s']}/s, "
            f"errors {phase['errors']} load {phase['load_before']}→{phase['load_after']}, "
            f"503s retried {phase.get('shed_and_retried', 0)}"
        )
        lines.append(
            "    cpu cores: "
            + ", ".join(f"{k} {v}" for k, v in sorted(phase.get("cpu_cores", {}).items()))
        )
        lines.append(
            "    cpu ms/flow: "
            + ", ".join(f"{k} {v}" for k, v in sorted(phase.get("cpu_ms_per_flow", {}).items()))
        )
        for hop, p in phase["hops_ms"].items():
            lines.append(
                f"    {hop:26s} p50 {p.get('p50')}  p95 {p.get('p95')}  p99 {p.get('p99')} ms"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="flows per phase")
    parser.add_argument(
        "--rate", type=float, default=None, help="fixed phase, flows/s (default: half of max)"
    )
    parser.add_argument("--max-inflight", type=int, default=100)
    parser.add_argument("--webhook", choices=("self", "localstripe"), default="self")
    parser.add_argument(
        "--localstripe-n", type=int, default=200, help="flows with localstripe's own delivery"
    )
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument(
        "--shared-stripe", action="store_true", help="use the stack's localstripe, not a fresh one"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="per flow, seconds")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    stop_cleanly_on_sigterm()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    result = asyncio.run(
        run(
            args.n,
            args.rate,
            args.max_inflight,
            args.webhook,
            args.localstripe_n,
            args.log_level,
            args.timeout,
            args.shared_stripe,
        )
    )
    print(summary(result))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
