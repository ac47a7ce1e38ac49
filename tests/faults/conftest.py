"""Fault tests: the four services as real processes, driven over HTTP, with faults injected.

What the fixtures give:

- ``system``: one marketplace (System) shared by every fault module that needs no
  special settings, with settings that make recovery quick (reconciliation after 2 s,
  fast consumer back-off). Tests use their own providers and learners, so they do
  not see each other's flows.
- ``shop``: the marketplace as ops, a provider, a learner and Stripe.js play it
  (``credmarket_infra.demo``), plus ``Flow`` for one learner's purchase.
- ``Ledger``: the end-of-test check that nothing was lost and nothing done twice,
  read from each service's own database, Stripe, and the dead-letter topics.
- ``stripe_probe``: a second webhook endpoint registered at the Stripe stand-in
  after the system's own; the stand-in delivers to its endpoints one after the other,
  so when the probe has an event, the system's delivery of it has been answered (or
  refused). It also keeps the event exactly as Stripe sent it.
- ``broker``: stop and start the local stack's Kafka (skips elsewhere).
- ``PatientShop``: the same actors riding out an outage as real clients do: a request
  answered 5xx (or not at all) is repeated with the same Idempotency-Key, a page that
  does not load is reloaded, Stripe.js retries while Stripe is away.
- ``stripe_faults``: errors and slow answers armed in front of the Stripe stand-in's
  API, scoped to one test's requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord
from credmarket_events.topics import dead_letter_topic
from credmarket_infra.demo.client import Marketplace
from credmarket_infra.demo.routes import Routes
from credmarket_infra.demo.stripe_js import BROWSER_TEST_KEY, TEST_CARD_OK, confirm_card_payment
from credmarket_infra.stack import kafka
from credmarket_infra.stack.config import StackConfig, find_project_root, load_running_config
from credmarket_testing.infra import Infra
from credmarket_testing.kafka import delete_topics
from credmarket_testing.system import SERVICE_NAMES, System, free_port
from credmarket_testing.wait import wait_until

# A key the Stripe stand-in accepts, as ops would use to look at Stripe's dashboard.
STRIPE_LOOKUP_KEY = BROWSER_TEST_KEY

# Recovery without waiting minutes. Knobs without an alias of their own are read as
# CREDMARKET_<FIELD NAME> (ServiceSettings' env_prefix).
FAST_RECOVERY = {
    "CREDMARKET_RECONCILE_AFTER_S": "2",
    "CREDMARKET_RECONCILE_INTERVAL_S": "0.5",
    "CREDMARKET_ENROLLMENT_SWEEP_INTERVAL_S": "1",
    "CREDMARKET_CONSUMER_MAX_ATTEMPTS": "6",
    "CREDMARKET_CONSUMER_BACKOFF_INITIAL_S": "0.1",
    "CREDMARKET_CONSUMER_BACKOFF_MAX_S": "1.0",
    # A Stripe call that hangs is given up on quickly (a fault test makes one hang).
    "CREDMARKET_PAYMENTS_STRIPE_TIMEOUT_S": "5",
    "CREDMARKET_STRIPE_MAX_NETWORK_RETRIES": "1",
}

# Every consumer group of the system, by its unprefixed name (issuance runs two).
CONSUMER_GROUPS = ("enrollment", "payments", "issuance", "issuance-providers")

FLOW_TIMEOUT_S = 45.0


def dead_letter_topics(system: System) -> list[str]:
    return [dead_letter_topic(system.topic_prefix + g) for g in CONSUMER_GROUPS]


@contextlib.asynccontextmanager
async def running_system(
    infra: Infra,
    logs_dir: Path,
    *,
    replicas: dict[str, int] | None = None,
    db_proxies: tuple[str, ...] = (),
    private_stripe: bool = False,
    **env: str,
) -> AsyncIterator[System]:
    system = System(
        infra,
        logs_dir,
        extra_env={**FAST_RECOVERY, **env},
        db_proxies=db_proxies,
        private_stripe=private_stripe,
    )
    try:
        await system.start(replicas=replicas)
        yield system
    finally:
        await system.stop()
        # System.stop deletes the system's topics but not the groups' dead-letter topics.
        await delete_topics(infra.kafka_bootstrap, dead_letter_topics(system))


@pytest.fixture(scope="session")
def recovery_env() -> dict[str, str]:
    """The settings every fault test's system runs with (FAST_RECOVERY)."""
    return dict(FAST_RECOVERY)


@pytest.fixture(scope="session")
def faults_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("faults-logs")


StartSystem = Callable[..., contextlib.AbstractAsyncContextManager[System]]


@pytest.fixture(scope="session")
def start_system(infra: Infra, faults_logs: Path) -> StartSystem:
    """For a module that needs a system of its own: `async with start_system(replicas=...)`."""
    return functools.partial(running_system, infra, faults_logs)


@pytest.fixture(scope="session")
async def system(infra: Infra, faults_logs: Path) -> AsyncIterator[System]:
    async with running_system(infra, faults_logs) as running:
        yield running


@pytest.fixture(scope="session")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


# --- the marketplace as its actors play it ------------------------------------------------


@dataclass
class Provider:
    id: str
    token: str
    name: str


@dataclass
class Flow:
    """One learner's purchase of one offering, from request to credential."""

    provider: Provider
    offering: dict[str, Any]
    learner_id: str
    learner_token: str
    enrollment_id: str = ""
    client_secret: str = ""
    intent_id: str = ""
    payment_id: str = ""
    credential_id: str = ""

    @property
    def offering_id(self) -> str:
        return str(self.offering["id"])


class Shop:
    """The system as ops, providers, learners, Stripe.js and verifiers reach it."""

    def __init__(self, system: System, http: httpx.AsyncClient, enrollment_replica: int = 0):
        self.system = system
        self.http = http
        self.stripe_api_base = system.stripe_api_base
        self.ops = system.token("ops", str(uuid.uuid4()))
        services = {s: system.url(s) for s in SERVICE_NAMES}
        services["enrollment"] = system.url("enrollment", enrollment_replica)
        self.market = Marketplace(Routes(services=services), http)

    def at_enrollment_replica(self, replica: int) -> Shop:
        return Shop(self.system, self.http, enrollment_replica=replica)

    async def new_provider(self, name: str = "Fault Academy") -> Provider:
        label = f"{name} {uuid.uuid4().hex[:6]}"
        registered = await self.market.register_provider(
            self.ops, label, f"courses-{uuid.uuid4().hex[:8]}@academy.example"
        )
        token = await self.market.provider_token(registered["api_key"]["key"])
        return Provider(registered["provider"]["id"], token, label)

    async def new_offering(self, provider: Provider, price: int = 4900) -> dict[str, Any]:
        return await self.market.publish_offering(
            provider.token, f"Fault Tolerance {uuid.uuid4().hex[:6]}", price=price
        )

    def learner(self, provider: Provider, offering: dict[str, Any]) -> Flow:
        learner_id = str(uuid.uuid4())
        token = self.system.token(
            "learner", learner_id, email=f"learner-{learner_id[:8]}@example.org"
        )
        return Flow(provider, offering, learner_id, token)

    async def buy(self, flow: Flow) -> Flow:
        response = await self.market.purchase_when_listed(
            flow.learner_token, flow.offering_id, int(flow.offering["version"])
        )
        assert response.status_code == 201, response.text
        flow.enrollment_id = response.json()["id"]
        return flow

    async def wait(
        self, flow: Flow, what: str, done: Any, timeout_s: float = FLOW_TIMEOUT_S
    ) -> dict[str, Any]:
        try:
            return await self.market.wait_for_enrollment(
                flow.learner_token, flow.enrollment_id, done, timeout_s=timeout_s, what=what
            )
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.system.logs()}") from exc

    async def wait_initiated(self, flow: Flow) -> None:
        view = await self.wait(
            flow, "the PaymentIntent", lambda v: bool(v["payment"]["client_secret"])
        )
        flow.client_secret = view["payment"]["client_secret"]
        flow.intent_id = view["payment"]["stripe_payment_intent_id"]

    async def pay(self, flow: Flow) -> None:
        """Stripe.js confirms the intent with a good card."""
        status = await confirm_card_payment(
            self.http, self.stripe_api_base, BROWSER_TEST_KEY, flow.client_secret, TEST_CARD_OK
        )
        assert status == "succeeded", status

    async def wait_active(self, flow: Flow) -> None:
        view = await self.wait(flow, "activation", lambda v: v["status"] == "active")
        flow.payment_id = view["payment"]["payment_id"]

    async def complete(self, flow: Flow) -> None:
        await self.market.report_completion(flow.provider.token, flow.enrollment_id)

    async def wait_credential(self, flow: Flow) -> None:
        view = await self.wait(flow, "the credential", lambda v: bool(v["credential"]))
        flow.credential_id = view["credential"]["credential_id"]
        assert view["status"] == "completed", view

    async def verify(self, flow: Flow) -> dict[str, Any]:
        credential = await self.market.fetch_credential(flow.credential_id)
        return await self.market.verify(credential)

    async def purchase_paid(self, flow: Flow) -> Flow:
        """Buy and pay; returns once the enrollment is active."""
        await self.buy(flow)
        await self.wait_initiated(flow)
        await self.pay(flow)
        await self.wait_active(flow)
        return flow

    async def run_to_credential(self, flow: Flow) -> Flow:
        """The whole journey without faults: buy, pay, complete, credential."""
        await self.purchase_paid(flow)
        await self.complete(flow)
        await self.wait_credential(flow)
        return flow

    async def fresh_flow(self) -> Flow:
        provider = await self.new_provider()
        return self.learner(provider, await self.new_offering(provider))


@pytest.fixture
def shop(system: System, http: httpx.AsyncClient) -> Shop:
    return Shop(system, http)


# --- riding out an outage -------------------------------------------------------------------

OUTAGE_FLOW_TIMEOUT_S = 240.0


class PatientShop(Shop):
    """The actors as real clients ride out an outage: a request answered 5xx, or not at
    all, is repeated with the same Idempotency-Key; a page is reloaded until it loads;
    Stripe.js retries while Stripe is away."""

    answers_lost = 0

    async def _patiently(
        self, what: str, request: Callable[[], Any], timeout_s: float = OUTAGE_FLOW_TIMEOUT_S
    ) -> httpx.Response:
        deadline = time.monotonic() + timeout_s
        last = "no answer"
        while True:
            try:
                response: httpx.Response = await request()
                if response.status_code < 500:
                    return response
                last = f"{response.status_code} {response.text[:200]}"
            except httpx.TransportError as exc:
                last = repr(exc)
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: still failing after {timeout_s}s ({last})")
            await asyncio.sleep(0.5)

    async def buy(self, flow: Flow) -> Flow:
        deadline = time.monotonic() + OUTAGE_FLOW_TIMEOUT_S
        while True:
            # One purchase request, repeated with its key until answered.
            response = await self._patiently(
                "the purchase",
                functools.partial(
                    self.market.purchase,
                    flow.learner_token,
                    flow.offering_id,
                    int(flow.offering["version"]),
                    idempotency_key=str(uuid.uuid4()),
                ),
            )
            not_listed_yet = response.status_code == 404 or (
                response.status_code == 409 and "Retry-After" in response.headers
            )
            if not not_listed_yet or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)  # stored under that key: the next try needs a new one
        if response.status_code == 409 and response.json().get("enrollment_id"):
            # An attempt went through but its answer was lost (the database failed
            # between the purchase's commit and the recording of its answer): the
            # repeat is told which enrollment the learner has, as a frontend would be.
            flow.enrollment_id = response.json()["enrollment_id"]
            self.answers_lost += 1
            return flow
        assert response.status_code == 201, response.text
        flow.enrollment_id = response.json()["id"]
        return flow

    async def wait(
        self, flow: Flow, what: str, done: Any, timeout_s: float = OUTAGE_FLOW_TIMEOUT_S
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        url = self.market.routes.url("enrollment", f"/v1/enrollments/{flow.enrollment_id}")
        headers = {"Authorization": f"Bearer {flow.learner_token}"}
        view: dict[str, Any] = {}
        while True:
            response = await self._patiently(
                what, lambda: self.http.get(url, headers=headers), timeout_s
            )
            assert response.status_code == 200, response.text
            view = response.json()
            if done(view):
                return view
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"waited {timeout_s}s for {what}; last: {view}\n{self.system.logs()}"
                )
            await asyncio.sleep(0.2)

    async def pay(self, flow: Flow) -> None:
        deadline = time.monotonic() + OUTAGE_FLOW_TIMEOUT_S
        while True:
            try:
                await Shop.pay(self, flow)
                return
            except (httpx.TransportError, httpx.HTTPStatusError) as exc:
                if isinstance(exc, httpx.HTTPStatusError) and exc.response.status_code < 500:
                    if await self._intent_succeeded(flow):
                        return  # confirmed before Stripe went away; the answer was lost
                    raise
                if time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.5)

    async def _intent_succeeded(self, flow: Flow) -> bool:
        response = await self.http.get(
            f"{self.stripe_api_base}/v1/payment_intents/{flow.intent_id}",
            headers={"Authorization": f"Bearer {STRIPE_LOOKUP_KEY}"},
        )
        return response.status_code == 200 and response.json()["status"] == "succeeded"

    async def complete(self, flow: Flow) -> None:
        key = str(uuid.uuid4())
        url = self.market.routes.url(
            "enrollment", f"/v1/enrollments/{flow.enrollment_id}/completion"
        )
        response = await self._patiently(
            "the completion report",
            lambda: self.http.post(
                url,
                json={
                    "passed": True,
                    "score": 92.5,
                    "evidence_narrative": "Final project: a documented data pipeline.",
                },
                headers={
                    "Authorization": f"Bearer {flow.provider.token}",
                    "Idempotency-Key": key,
                },
            ),
        )
        assert response.status_code in (200, 201), response.text


@pytest.fixture
def patient_shop(system: System, http: httpx.AsyncClient) -> PatientShop:
    return PatientShop(system, http)


# --- Stripe misbehaving ---------------------------------------------------------------------


class StripeFaults:
    """Errors and slow answers in front of the Stripe stand-in's API (localstripe_faults),
    each matched to one test's requests by a parameter value (an offering or payment id)."""

    def __init__(self, stripe_api_base: str, http: httpx.AsyncClient) -> None:
        self.stripe_api_base = stripe_api_base
        self.http = http
        self.armed: list[str] = []

    async def arm(self, **fields: Any) -> str:
        name = f"faults-{uuid.uuid4().hex[:10]}"
        response = await self.http.post(
            f"{self.stripe_api_base}/_config/faults/{name}",
            data={k: str(v) for k, v in fields.items()},
        )
        response.raise_for_status()
        self.armed.append(name)
        return name

    async def hits(self, name: str) -> int:
        response = await self.http.get(f"{self.stripe_api_base}/_config/faults/{name}")
        return int(response.json()["hits"]) if response.status_code == 200 else 0

    async def disarm(self, name: str) -> None:
        await self.http.delete(f"{self.stripe_api_base}/_config/faults/{name}")


@pytest.fixture
async def stripe_faults(system: System, http: httpx.AsyncClient) -> AsyncIterator[StripeFaults]:
    faults = StripeFaults(system.stripe_api_base, http)
    yield faults
    for name in faults.armed:
        await faults.disarm(name)


# --- Stripe, as ops see it ------------------------------------------------------------------


async def stripe_watermark(http: httpx.AsyncClient, stripe_api_base: str) -> str:
    """A PaymentIntent of no enrollment, made now: Stripe lists intents oldest first, so
    listing `starting_after` it reads only what was created since, not the stand-in's
    whole (persisted, ever-growing) history, which costs ~10 ms per intent to list."""
    response = await http.post(
        f"{stripe_api_base}/v1/payment_intents",
        data={"amount": 100, "currency": "eur", "metadata[purpose]": "fault-test watermark"},
        headers={"Authorization": f"Bearer {STRIPE_LOOKUP_KEY}"},
    )
    response.raise_for_status()
    return str(response.json()["id"])


async def stripe_intents_for(
    http: httpx.AsyncClient, stripe_api_base: str, enrollment_ids: Iterable[str], since: str
) -> dict[str, list[dict[str, Any]]]:
    """Every PaymentIntent created at Stripe after `since` whose metadata names one of
    these enrollments (ops filtering Stripe's list by metadata)."""
    wanted = set(enrollment_ids)
    found: dict[str, list[dict[str, Any]]] = {e: [] for e in wanted}
    params: dict[str, str | int] = {"limit": 100, "starting_after": since}
    while True:
        page = await http.get(
            f"{stripe_api_base}/v1/payment_intents",
            params=params,
            headers={"Authorization": f"Bearer {STRIPE_LOOKUP_KEY}"},
        )
        page.raise_for_status()
        body = page.json()
        for intent in body["data"]:
            enrollment = (intent.get("metadata") or {}).get("enrollment_id")
            if enrollment in wanted:
                found[enrollment].append(intent)
        if not body.get("has_more") or not body["data"]:
            return found
        params["starting_after"] = body["data"][-1]["id"]


async def stripe_refunds_of(
    http: httpx.AsyncClient, stripe_api_base: str, intent_id: str
) -> list[dict[str, Any]]:
    """Every refund Stripe made of this intent, as ops would list them."""
    response = await http.get(
        f"{stripe_api_base}/v1/refunds",
        params={"payment_intent": intent_id, "limit": 100},
        headers={"Authorization": f"Bearer {STRIPE_LOOKUP_KEY}"},
    )
    response.raise_for_status()
    refunds: list[dict[str, Any]] = response.json()["data"]
    return refunds


class StripeProbe:
    """A webhook endpoint of our own at the Stripe stand-in, registered after the system's."""

    def __init__(self, stripe_api_base: str, secret: str) -> None:
        self.stripe_api_base = stripe_api_base
        self.secret = secret
        self.name = f"faults-probe-{uuid.uuid4().hex[:8]}"
        self.port = free_port()
        self.received: list[tuple[bytes, str]] = []
        self._runner: web.AppRunner | None = None

    async def _receive(self, request: web.Request) -> web.Response:
        self.received.append((await request.read(), request.headers.get("Stripe-Signature", "")))
        return web.json_response({"received": True})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/webhook", self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        await self._register(f"http://127.0.0.1:{self.port}/webhook")

    async def stop(self) -> None:
        with contextlib.suppress(httpx.HTTPError):
            async with httpx.AsyncClient(timeout=10) as client:
                await client.delete(f"{self.stripe_api_base}/_config/webhooks/{self.name}")
        if self._runner is not None:
            await self._runner.cleanup()

    async def _register(self, url: str) -> None:
        data = {"url": url, "secret": self.secret}
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(
                f"{self.stripe_api_base}/_config/webhooks/{self.name}", data=data
            )
            response.raise_for_status()

    def events_for(self, intent_id: str, event_type: str) -> list[tuple[bytes, str]]:
        out = []
        for body, signature in self.received:
            event = json.loads(body)
            if event.get("type") == event_type and event["data"]["object"].get("id") == intent_id:
                out.append((body, signature))
        return out

    async def wait_for(
        self, intent_id: str, event_type: str = "payment_intent.succeeded", timeout_s: float = 15
    ) -> tuple[bytes, str]:
        await wait_until(
            lambda: bool(self.events_for(intent_id, event_type)),
            timeout=timeout_s,
            message=f"Stripe never delivered {event_type} for {intent_id}",
        )
        return self.events_for(intent_id, event_type)[0]


@pytest.fixture(scope="session")
async def stripe_probe(system: System) -> AsyncIterator[StripeProbe]:
    probe = StripeProbe(system.stripe_api_base, system.webhook_secret)
    await probe.start()
    yield probe
    await probe.stop()


# --- the broker -----------------------------------------------------------------------------


@dataclass
class LocalBroker:
    """The local stack's Kafka, stopped and started the way `credmarket-stack` does it."""

    config: StackConfig

    def running(self) -> bool:
        return kafka.pid(self.config) is not None

    async def stop(self) -> None:
        await asyncio.to_thread(kafka.down, self.config)
        assert not self.running(), "the broker did not stop"

    async def start(self) -> None:
        # kafka.up waits (asyncio.run of its own) until the broker answers.
        await asyncio.to_thread(kafka.up, self.config)


@pytest.fixture
async def broker(infra: Infra) -> AsyncIterator[LocalBroker]:
    try:
        config = load_running_config(find_project_root())
    except RuntimeError:
        config = None
    if config is None or config.kafka_bootstrap != infra.kafka_bootstrap:
        pytest.skip(
            f"the broker at {infra.kafka_bootstrap} is not the local stack's Kafka: "
            "this test stops and starts it with credmarket-stack's kafka.down/up"
        )
    local = LocalBroker(config)
    if not local.running():
        pytest.skip("the local stack's Kafka is not running under credmarket-stack")
    try:
        yield local
    finally:
        if not local.running():  # a failure mid-outage must not leave everyone without Kafka
            await local.start()


# --- dead letters ---------------------------------------------------------------------------


async def read_topics(bootstrap: str, topics: list[str]) -> list[ConsumerRecord[Any, Any]]:
    """Every record now in these topics (from the start up to the current end)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = [
            TopicPartition(t["topic"], p["partition"])
            for t in await _describe(bootstrap, topics)
            for p in t["partitions"]
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord[Any, Any]] = []
        deadline = time.monotonic() + 20

        async def behind() -> bool:
            for tp in partitions:
                if await consumer.position(tp) < ends[tp]:
                    return True
            return False

        while await behind():
            if time.monotonic() > deadline:
                raise AssertionError(f"could not read {topics} to their ends")
            batches = await consumer.getmany(timeout_ms=500)
            for batch in batches.values():
                records.extend(batch)
        return records
    finally:
        await asyncio.shield(consumer.stop())


async def _describe(bootstrap: str, topics: list[str]) -> list[dict[str, Any]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described: list[dict[str, Any]] = await admin.describe_topics(topics)
    finally:
        await admin.close()
    missing = [t["topic"] for t in described if t["error_code"] != 0]
    assert not missing, f"no such topics: {missing}"
    return described


def header(record: ConsumerRecord[Any, Any], name: str) -> str | None:
    for key, value in record.headers or []:
        if key == name:
            return bytes(value).decode("utf-8", "replace")
    return None


class DeadLetters:
    """The system's dead-letter topics, one per consumer group, read as ops would."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.topics = dead_letter_topics(system)

    async def read(self) -> list[ConsumerRecord[Any, Any]]:
        return await read_topics(self.system.infra.kafka_bootstrap, self.topics)

    @staticmethod
    def header(record: ConsumerRecord[Any, Any], name: str) -> str | None:
        return header(record, name)


@pytest.fixture
def dead_letters(system: System) -> DeadLetters:
    return DeadLetters(system)


# --- nothing lost, nothing done twice -------------------------------------------------------

_OUTBOX_OF = """
    SELECT event_id, event_type, key, sent_at,
           convert_from(value, 'UTF8')::jsonb ->> 'enrollment_id' AS enrollment_id
    FROM outbox
    WHERE convert_from(value, 'UTF8')::jsonb ->> 'enrollment_id' = ANY($1::text[])
"""

T_REQUESTED = "credmarket.enrollment.enrollment.requested.v1"
T_ACTIVATED = "credmarket.enrollment.enrollment.activated.v1"
T_COMPLETED = "credmarket.enrollment.enrollment.completed.v1"
T_INITIATED = "credmarket.payments.payment.initiated.v1"
T_SUCCEEDED = "credmarket.payments.payment.succeeded.v1"
T_ISSUED = "credmarket.issuance.credential.issued.v1"
T_CANCELLED = "credmarket.enrollment.enrollment.cancelled.v1"
T_REFUND_REQUESTED = "credmarket.enrollment.refund.requested.v1"
T_REFUNDED = "credmarket.payments.payment.refunded.v1"

# Who consumes (handles, so records in its inbox) each event type of a paid journey.
CONSUMED_BY = {
    T_REQUESTED: ("payments", "payments"),
    T_COMPLETED: ("issuance", "issuance"),
    T_INITIATED: ("enrollment", "enrollment"),
    T_SUCCEEDED: ("enrollment", "enrollment"),
    T_ISSUED: ("enrollment", "enrollment"),
    T_CANCELLED: ("payments", "payments"),
    T_REFUND_REQUESTED: ("payments", "payments"),
    T_REFUNDED: ("enrollment", "enrollment"),
}


async def handled_count(system: System, service: str, group: str, event_id: str) -> int:
    """How often a consumer group recorded an event in its inbox (its service's database)."""
    rows = await system.query(
        service,
        "SELECT count(*) AS n FROM inbox WHERE consumer_group = $1 AND event_id = $2",
        system.topic_prefix + group,
        event_id,
    )
    return int(rows[0]["n"])


@dataclass
class Ledger:
    """Counts, per completed paid journey, what every service recorded and emitted."""

    system: System
    http: httpx.AsyncClient
    stripe_since: str  # a watermark intent made before the journeys began
    problems: list[str] = field(default_factory=list)

    def expect(self, ok: bool, what: str) -> None:
        if not ok:
            self.problems.append(what)

    async def check_completed(
        self, flows: list[Flow], refunded: dict[str, int] | None = None
    ) -> None:
        """Each flow: one enrollment (completed), one payment and one intent at Stripe
        (succeeded), one credential, each event emitted once, each consumed once; no
        dead letter of any of it; every outbox row sent.

        ``refunded``: enrollment id -> the amount ops refunded in part (the enrollment
        and its credential stand): then exactly one refund of it at Stripe and in
        payments, and one refunded event."""
        refunded = refunded or {}
        assert flows, "nothing to check"
        await wait_until(
            lambda: self._all_sent(flows), timeout=15, message="outbox rows left unsent"
        )
        ids = [f.enrollment_id for f in flows]
        learners = [uuid.UUID(f.learner_id) for f in flows]
        s = self.system

        enrollments = await s.query(
            "enrollment",
            "SELECT id::text, learner_id::text, offering_id::text, status, payment_id::text,"
            " credential_id::text, refund_due_payment_id FROM enrollments"
            " WHERE learner_id = ANY($1::uuid[])",
            learners,
        )
        payments = await s.query(
            "payments",
            "SELECT id::text, enrollment_id::text, status, stripe_payment_intent_id"
            " FROM payments WHERE enrollment_id = ANY($1::uuid[])",
            [uuid.UUID(i) for i in ids],
        )
        credentials = await s.query(
            "issuance",
            "SELECT id::text, enrollment_id::text, revoked_at FROM credentials"
            " WHERE enrollment_id = ANY($1::uuid[])",
            [uuid.UUID(i) for i in ids],
        )
        outbox = {svc: await s.query(svc, _OUTBOX_OF, ids) for svc in SERVICE_NAMES}
        intents = await stripe_intents_for(self.http, s.stripe_api_base, ids, self.stripe_since)

        for flow in flows:
            e = flow.enrollment_id
            mine = [r for r in enrollments if r["learner_id"] == flow.learner_id]
            self.expect(len(mine) == 1, f"{e}: learner has {len(mine)} enrollments")
            row = next((r for r in mine if r["id"] == e), None)
            self.expect(
                row is not None and row["status"] == "completed",
                f"{e}: enrollment {row and row['status']}",
            )
            self.expect(
                row is not None and row["refund_due_payment_id"] is None,
                f"{e}: flagged for a refund (paid twice or late)",
            )
            pays = [p for p in payments if p["enrollment_id"] == e]
            self.expect(len(pays) == 1, f"{e}: {len(pays)} payments rows")
            at_stripe = intents[e]
            self.expect(len(at_stripe) == 1, f"{e}: {len(at_stripe)} PaymentIntents at Stripe")
            if len(pays) == 1 and len(at_stripe) == 1:
                self.expect(pays[0]["status"] == "succeeded", f"{e}: payment {pays[0]['status']}")
                self.expect(
                    pays[0]["stripe_payment_intent_id"] == at_stripe[0]["id"],
                    f"{e}: payments row names another intent than Stripe has",
                )
                self.expect(
                    at_stripe[0]["status"] == "succeeded",
                    f"{e}: intent {at_stripe[0]['status']} at Stripe",
                )
                charges = [
                    c
                    for c in (at_stripe[0].get("charges") or {}).get("data", [])
                    if c.get("status") == "succeeded"
                ]
                self.expect(len(charges) == 1, f"{e}: {len(charges)} charges at Stripe")
                self.expect(
                    row is not None and row["payment_id"] == pays[0]["id"],
                    f"{e}: enrollment links another payment",
                )
            creds = [c for c in credentials if c["enrollment_id"] == e]
            self.expect(len(creds) == 1, f"{e}: {len(creds)} credentials")
            if creds:
                self.expect(
                    row is not None and row["credential_id"] == creds[0]["id"],
                    f"{e}: enrollment links another credential",
                )
                self.expect(creds[0]["revoked_at"] is None, f"{e}: credential revoked")

            emitted: dict[str, list[Any]] = {}
            for svc, rows in outbox.items():
                for r in rows:
                    if r["enrollment_id"] == e:
                        emitted.setdefault(r["event_type"], []).append((svc, r))
            for event_type in (T_REQUESTED, T_ACTIVATED, T_COMPLETED, T_INITIATED, T_SUCCEEDED):
                n = len(emitted.get(event_type, []))
                self.expect(n == 1, f"{e}: {n} {event_type.split('.')[-2]} emitted")
            if e in refunded:
                n = len(emitted.get(T_REFUNDED, []))
                self.expect(n == 1, f"{e}: {n} refunded emitted")
                if len(pays) == 1 and len(at_stripe) == 1:
                    await self._check_one_refund(e, pays[0]["id"], at_stripe[0]["id"], refunded[e])
            issued = emitted.get(T_ISSUED, [])
            self.expect(
                len(issued) == 1 and len(creds) == 1 and issued[0][1]["key"] == creds[0]["id"],
                f"{e}: {len(issued)} issued emitted for {len(creds)} credential(s)",
            )
            unexpected = set(emitted) - {
                T_REQUESTED,
                T_ACTIVATED,
                T_COMPLETED,
                T_INITIATED,
                T_SUCCEEDED,
                T_ISSUED,
                *((T_REFUNDED,) if e in refunded else ()),
            }
            self.expect(not unexpected, f"{e}: also emitted {sorted(unexpected)}")

            for event_type, (service, group) in CONSUMED_BY.items():
                for _svc, r in emitted.get(event_type, []):
                    n = await handled_count(s, service, group, r["event_id"])
                    self.expect(
                        n == 1, f"{e}: {event_type.split('.')[-2]} handled {n} times by {group}"
                    )

        # The offerings and providers these journeys used reached their consumers once.
        for flow in flows:
            for svc, group, key in (
                ("enrollment", "enrollment", flow.offering_id),
                ("issuance", "issuance-providers", flow.provider.id),
            ):
                sent = await s.query("catalog", "SELECT event_id FROM outbox WHERE key = $1", key)
                for r in sent:
                    n = await handled_count(s, svc, group, r["event_id"])
                    self.expect(n == 1, f"catalog event for {key} handled {n} times by {group}")

        # No dead letter of any of it.
        keys = set(ids)
        keys |= {p["id"] for p in payments} | {c["id"] for c in credentials}
        keys |= {f.offering_id for f in flows} | {f.provider.id for f in flows}
        dead = await read_topics(s.infra.kafka_bootstrap, dead_letter_topics(s))
        ours = [d for d in dead if d.key is not None and d.key.decode() in keys]
        self.expect(
            not ours,
            f"dead letters of these journeys: {[(d.topic, header(d, 'dlq_reason')) for d in ours]}",
        )
        if self.problems:
            raise AssertionError(
                "lost or doubled:\n  " + "\n  ".join(self.problems) + "\n" + s.logs()
            )

    async def _check_one_refund(
        self, e: str, payment_id: str, intent_id: str, amount: int, origin: str = "api"
    ) -> None:
        rows = await self.system.query(
            "payments",
            "SELECT r.amount, r.status, r.origin, r.stripe_refund_id, p.amount_refunded"
            " FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE p.id = $1::uuid",
            payment_id,
        )
        self.expect(len(rows) == 1, f"{e}: {len(rows)} refunds in payments")
        at_stripe = await stripe_refunds_of(self.http, self.system.stripe_api_base, intent_id)
        self.expect(len(at_stripe) == 1, f"{e}: {len(at_stripe)} refunds at Stripe")
        if len(rows) == 1 and len(at_stripe) == 1:
            row, made = rows[0], at_stripe[0]
            self.expect(row["status"] == "succeeded", f"{e}: refund {row['status']} in payments")
            self.expect(row["origin"] == origin, f"{e}: refund made by {row['origin']}")
            self.expect(row["stripe_refund_id"] == made["id"], f"{e}: refund names another")
            self.expect(
                row["amount"] == made["amount"] == amount == row["amount_refunded"],
                f"{e}: refunded {row['amount']} here, {made['amount']} at Stripe, not {amount}",
            )
            self.expect(made["status"] == "succeeded", f"{e}: refund {made['status']} at Stripe")

    async def check_cancelled_and_refunded(self, flows: list[Flow]) -> None:
        """Each flow: the learner cancelled, then paid anyway, and got the money back:
        one enrollment (cancelled, no refund left due), one payment and one intent at
        Stripe (succeeded), one automatic refund of all of it at Stripe and in payments,
        no credential; each event emitted once and consumed once; no dead letter."""
        assert flows, "nothing to check"
        await wait_until(
            lambda: self._all_sent(flows), timeout=15, message="outbox rows left unsent"
        )
        s = self.system
        ids = [f.enrollment_id for f in flows]
        intents = await stripe_intents_for(self.http, s.stripe_api_base, ids, self.stripe_since)
        outbox = {svc: await s.query(svc, _OUTBOX_OF, ids) for svc in SERVICE_NAMES}
        expected = (
            T_REQUESTED,
            T_CANCELLED,
            T_INITIATED,
            T_SUCCEEDED,
            T_REFUND_REQUESTED,
            T_REFUNDED,
        )
        for flow in flows:
            e = flow.enrollment_id
            mine = await s.query(
                "enrollment",
                "SELECT id::text, status, refund_due_payment_id, credential_id FROM enrollments"
                " WHERE learner_id = $1::uuid",
                flow.learner_id,
            )
            self.expect(len(mine) == 1, f"{e}: learner has {len(mine)} enrollments")
            self.expect(
                bool(mine) and mine[0]["status"] == "cancelled",
                f"{e}: enrollment {mine and mine[0]['status']}",
            )
            self.expect(
                bool(mine) and mine[0]["refund_due_payment_id"] is None,
                f"{e}: a refund is still due",
            )
            self.expect(bool(mine) and mine[0]["credential_id"] is None, f"{e}: a credential")
            pays = await s.query(
                "payments",
                "SELECT id::text, status, amount FROM payments WHERE enrollment_id = $1::uuid",
                e,
            )
            self.expect(len(pays) == 1, f"{e}: {len(pays)} payments rows")
            self.expect(len(intents[e]) == 1, f"{e}: {len(intents[e])} PaymentIntents at Stripe")
            if len(pays) == 1 and len(intents[e]) == 1:
                self.expect(pays[0]["status"] == "succeeded", f"{e}: payment {pays[0]['status']}")
                await self._check_one_refund(
                    e, pays[0]["id"], intents[e][0]["id"], pays[0]["amount"], "enrollment"
                )
            emitted: dict[str, list[Any]] = {}
            for rows in outbox.values():
                for r in rows:
                    if r["enrollment_id"] == e:
                        emitted.setdefault(r["event_type"], []).append(r)
            for event_type in expected:
                n = len(emitted.get(event_type, []))
                self.expect(n == 1, f"{e}: {n} {event_type.split('.')[-2]} emitted")
            unexpected = set(emitted) - set(expected)
            self.expect(not unexpected, f"{e}: also emitted {sorted(unexpected)}")
            for event_type, (service, group) in CONSUMED_BY.items():
                for r in emitted.get(event_type, []):
                    n = await handled_count(s, service, group, r["event_id"])
                    self.expect(
                        n == 1, f"{e}: {event_type.split('.')[-2]} handled {n} times by {group}"
                    )
        dead = await read_topics(s.infra.kafka_bootstrap, dead_letter_topics(s))
        keys = set(ids)
        ours = [d for d in dead if d.key is not None and d.key.decode() in keys]
        self.expect(not ours, f"dead letters of these journeys: {len(ours)}")
        if self.problems:
            raise AssertionError(
                "lost or doubled:\n  " + "\n  ".join(self.problems) + "\n" + s.logs()
            )

    async def _all_sent(self, flows: list[Flow]) -> bool:
        ids = [f.enrollment_id for f in flows]
        for svc in SERVICE_NAMES:
            rows = await self.system.query(svc, _OUTBOX_OF, ids)
            if any(r["sent_at"] is None for r in rows):
                return False
        return True


@pytest.fixture
async def ledger(system: System, http: httpx.AsyncClient) -> Ledger:
    """Made when the test starts, before its journeys (see stripe_watermark)."""
    return Ledger(system, http, await stripe_watermark(http, system.stripe_api_base))


async def inbox_has_no_duplicates(system: System) -> None:
    """The inbox key is (group, event id): check it holds in every service's database."""
    for svc in SERVICE_NAMES:
        doubled = await system.query(
            svc,
            "SELECT consumer_group, event_id, count(*) FROM inbox"
            " GROUP BY consumer_group, event_id HAVING count(*) > 1",
        )
        assert not doubled, f"{svc}: events handled twice: {doubled}"
