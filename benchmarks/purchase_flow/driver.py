"""The frontend, Stripe.js, Stripe and the provider, driving flows from purchase to credential."""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiokafka import AIOKafkaConsumer
from credmarket_events.enrollment import EnrollmentActivatedV1
from credmarket_events.issuance import CredentialIssuedV1
from credmarket_events.payments import PaymentInitiatedV1
from credmarket_testing.stripe_webhooks import stripe_signature
from credmarket_testing.system import System

from benchmarks.purchase_flow.stripe_js import pay

T_ACTIVATED = EnrollmentActivatedV1.event_type
T_INITIATED = PaymentInitiatedV1.event_type
T_ISSUED = CredentialIssuedV1.event_type
# The topics whose events the driver waits for (and the analysis reads back).
TOPICS = ("enrollment.enrollments", "payments.payments", "issuance.credentials")


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
        intent = await pay(self.http, self.stripe, flow.client_secret)
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
