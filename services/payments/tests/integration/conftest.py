"""Fixtures: the payments app on a fresh database and topics, localstripe, a topic reader."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import stripe
import uvicorn
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from credmarket_events.base import EventData
from credmarket_events.enrollment import EnrollmentRequestedV1
from credmarket_events.envelope import Envelope, decode, encode
from credmarket_events.payments import PaymentInitiatedV1
from credmarket_events.testing import make_event
from credmarket_events.topics import PAYMENTS
from credmarket_events.values import Money
from credmarket_platform.auth import mint_token
from credmarket_platform.db.migrations import upgrade_async
from credmarket_testing.infra import Infra
from credmarket_testing.stripe_probe import forget_stripe_webhook, register_stripe_webhook
from credmarket_testing.stripe_webhooks import stripe_signature
from credmarket_testing.wait import wait_until
from fastapi import FastAPI
from payments.app import create_app
from payments.db.migrations import SCRIPT_LOCATION
from payments.runtime import PaymentsRuntime
from payments.settings import PaymentsSettings
from payments.stripe_gateway import StripeGateway

STRIPE_KEY = "sk_test_credmarket_local"
GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"
JWT_SECRET = "payments-integration-tests-secret-0123456789"
ISSUER = "credmarket-test"


def token(role: str, subject: uuid.UUID | str) -> dict[str, str]:
    jwt = mint_token(str(subject), role, issuer=ISSUER, secret=JWT_SECRET)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {jwt}"}


class TopicReader:
    """Reads a topic from its start and keeps every decoded event."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        self.events: list[Envelope[Any]] = []

    async def _poll(self) -> None:
        batches = await self.consumer.getmany(timeout_ms=100)
        for records in batches.values():
            for record in records:
                self.events.append(decode(record.value, record.headers, record.key))

    def of(self, model: type[EventData], **match: Any) -> list[Envelope[Any]]:
        return [
            e
            for e in self.events
            if e.type == model.event_type and all(getattr(e.data, k) == v for k, v in match.items())
        ]

    async def wait_for(
        self, model: type[EventData], within: float = 30.0, **match: Any
    ) -> Envelope[Any]:
        async def seen() -> bool:
            await self._poll()
            return bool(self.of(model, **match))

        await wait_until(seen, timeout=within, message=f"no {model.event_type} {match}")
        return self.of(model, **match)[0]


@dataclass
class PaymentsHarness:
    app: FastAPI
    client: httpx.AsyncClient
    rt: PaymentsRuntime
    settings: PaymentsSettings
    payments_topic: TopicReader
    producer: AIOKafkaProducer
    stripe: StripeGateway

    async def publish(self, data: EventData) -> Envelope[Any]:
        env = Envelope(data=data, source="/enrollment")
        msg = encode(env)
        await self.producer.send_and_wait(
            self.settings.topic(msg.topic), msg.value, key=msg.key, headers=list(msg.headers)
        )
        return env

    async def outbox_count(self, event_type: str) -> int:
        async with self.rt.db.engine.connect() as conn:
            n = await conn.scalar(
                sa.text("SELECT count(*) FROM outbox WHERE event_type = :t"), {"t": event_type}
            )
        return int(n or 0)

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.rt.db.engine.connect() as conn:
            return await conn.scalar(sa.text(sql), params)

    async def wait_handled(self, env: Envelope[Any]) -> None:
        """Until the consumer recorded this event in its inbox (handled, or skipped as seen)."""

        async def handled() -> bool:
            n = await self.scalar("SELECT count(*) FROM inbox WHERE event_id = :id", id=env.id)
            return bool(n)

        await wait_until(handled, timeout=30, message=f"event {env.id} not handled")

    async def execute(self, sql: str, **params: Any) -> None:
        async with self.rt.db.engine.begin() as conn:
            await conn.execute(sa.text(sql), params)

    async def request_payment(
        self, amount: int = 4900, provider_id: uuid.UUID | None = None
    ) -> tuple[EnrollmentRequestedV1, PaymentInitiatedV1]:
        requested = make_event(
            EnrollmentRequestedV1,
            enrollment_id=uuid.uuid4(),
            learner_id=uuid.uuid4(),
            provider_id=provider_id or uuid.uuid4(),
            quoted_price=Money(amount=amount, currency="EUR"),
        )
        await self.publish(requested)
        initiated = await self.payments_topic.wait_for(
            PaymentInitiatedV1, enrollment_id=requested.enrollment_id
        )
        return requested, initiated.data

    async def pay_with_card(self, intent_id: str, card: str) -> str:
        """What Stripe.js confirmCardPayment does, in the steps localstripe implements
        (its confirm rejects a payment_method parameter): a PaymentMethod from the card,
        attached to the intent, then confirm."""
        client = self.stripe.client
        pm = await client.v1.payment_methods.create_async(
            {
                "type": "card",
                "card": {"number": card, "exp_month": 12, "exp_year": 2034, "cvc": "123"},
            }
        )
        await client.v1.payment_intents.update_async(intent_id, {"payment_method": pm.id})
        try:
            confirmed = await client.v1.payment_intents.confirm_async(intent_id)
            return str(confirmed.status)
        except stripe.CardError:
            current = await client.v1.payment_intents.retrieve_async(intent_id)
            return str(current.status)

    async def intents_for(self, enrollment_id: uuid.UUID) -> list[str]:
        """Every PaymentIntent localstripe holds for this enrollment."""
        found: list[str] = []
        params: dict[str, Any] = {"limit": 100}
        while True:
            page = await self.stripe.client.v1.payment_intents.list_async(params)  # type: ignore[arg-type]
            found += [
                pi.id
                for pi in page.data
                if pi.to_dict().get("metadata", {}).get("enrollment_id") == str(enrollment_id)
            ]
            if not page.has_more:
                return found
            params["starting_after"] = page.data[-1].id


@pytest.fixture
def payments_settings(
    database_url: str, topic_prefix: str, infra: Infra, stripe_api_base: str, unique_id: str
) -> PaymentsSettings:
    return PaymentsSettings(
        database_url=database_url,
        topic_prefix=topic_prefix,
        kafka_bootstrap=infra.kafka_bootstrap,
        stripe_api_base=stripe_api_base,
        stripe_api_key=STRIPE_KEY,
        stripe_webhook_secret=f"whsec_{unique_id}",
        jwt_issuers=ISSUER,
        jwt_dev_secret=JWT_SECRET,
        dev_mode=True,
        relay_poll_interval_s=0.1,
        consumer_backoff_initial_s=0.05,
        consumer_backoff_max_s=0.5,
        run_sweeps=False,
        reconcile_after_s=0.0,
        log_json=False,
    )


GatewayFactory = Callable[[PaymentsSettings], StripeGateway]


@pytest.fixture
def gateway_factory() -> GatewayFactory:
    """Overridden by tests that need a misbehaving gateway."""
    return StripeGateway.from_settings


@pytest.fixture
async def payments(
    payments_settings: PaymentsSettings, infra: Infra, gateway_factory: GatewayFactory
) -> AsyncIterator[PaymentsHarness]:
    await upgrade_async(SCRIPT_LOCATION, payments_settings.database_url)
    gateway = gateway_factory(payments_settings)
    app = create_app(
        payments_settings, PaymentsRuntime.from_settings(payments_settings, stripe=gateway)
    )
    reader = TopicReader(infra.kafka_bootstrap, payments_settings.topic(PAYMENTS.name))
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap)
    await reader.consumer.start()
    await producer.start()
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://payments") as client:
                yield PaymentsHarness(
                    app=app,
                    client=client,
                    rt=app.state.runtime,
                    settings=payments_settings,
                    payments_topic=reader,
                    producer=producer,
                    stripe=gateway,
                )
    finally:
        await producer.stop()
        await reader.consumer.stop()


@pytest.fixture
async def served_webhook(
    payments: PaymentsHarness, stripe_api_base: str, unique_id: str
) -> AsyncIterator[str]:
    """The app on a real port, registered as localstripe's webhook endpoint."""
    config = uvicorn.Config(payments.app, host="127.0.0.1", port=0, lifespan="off", log_config=None)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await wait_until(lambda: server.started, timeout=10, message="uvicorn did not start")
    port = server.servers[0].sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1/stripe/webhook"
    secret = payments.settings.stripe_webhook_secret.get_secret_value()
    await register_stripe_webhook(stripe_api_base, unique_id, url, secret)
    try:
        yield url
    finally:
        await forget_stripe_webhook(stripe_api_base, unique_id)
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task


def stripe_event_payload(
    event_type: str, obj: dict[str, Any], event_id: str | None = None
) -> bytes:
    return json.dumps(
        {
            "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "livemode": False,
            "api_version": "2024-06-20",
            "data": {"object": obj},
        }
    ).encode()


@pytest.fixture
def auth() -> Callable[[str, uuid.UUID | str], dict[str, str]]:
    """Bearer header for a role and subject: ``auth("ops", some_id)``."""
    return token


@pytest.fixture
def sign() -> Callable[..., str]:
    """``sign(payload, secret, timestamp=None)``: a Stripe-Signature header."""
    return stripe_signature


@pytest.fixture
def stripe_event() -> Callable[..., bytes]:
    """``stripe_event(type, object, event_id=None)``: a webhook body as Stripe sends it."""
    return stripe_event_payload
