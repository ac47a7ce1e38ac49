"""Integration helpers: the app on the fixture's database and topics, tokens, events."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from credmarket_events.base import EventData
from credmarket_events.catalog import OfferingPublishedV1
from credmarket_events.envelope import Envelope, decode, encode
from credmarket_events.testing import make_event
from credmarket_events.values import Money
from credmarket_platform.auth import Role, mint_token
from credmarket_platform.db.database import Database
from credmarket_platform.db.migrations import upgrade_async
from credmarket_testing.kafka import consume_all
from credmarket_testing.wait import wait_until
from enrollment.app import create_app
from enrollment.db import repository
from enrollment.db.migrations import SCRIPT_LOCATION
from enrollment.settings import EnrollmentSettings
from fastapi import FastAPI

SECRET = "enrollment-tests-dev-secret-0123456789abcdef"
ISSUER = "credmarket-dev"


def settings_for(
    database_url: str, topic_prefix: str, bootstrap: str, **overrides: Any
) -> EnrollmentSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "topic_prefix": topic_prefix,
        "kafka_bootstrap": bootstrap,
        "jwt_dev_secret": SECRET,
        "dev_mode": True,
        "jwt_issuers": ISSUER,
        "jwt_jwks_urls": "",
        "relay_poll_interval_s": 0.2,
        "consumer_backoff_initial_s": 0.05,
        "consumer_max_attempts": 2,
        "sweep_interval_s": 60.0,
        "log_json": False,
    }
    values.update(overrides)
    return EnrollmentSettings(**values)


def token(
    role: Role, sub: uuid.UUID | str, email: str | None = "ada@example.org"
) -> dict[str, str]:
    jwt = mint_token(str(sub), role, issuer=ISSUER, secret=SECRET, email=email, name="Ada L.")
    return {"Authorization": f"Bearer {jwt}"}


def idem() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


@dataclass
class Running:
    app: FastAPI
    client: httpx.AsyncClient
    db: Database
    settings: EnrollmentSettings


@asynccontextmanager
async def running_app(settings: EnrollmentSettings) -> AsyncIterator[Running]:
    await upgrade_async(SCRIPT_LOCATION, settings.database_url)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://enrollment") as client:
            yield Running(app, client, app.state.runtime.db, settings)


async def produce(bootstrap: str, topic_prefix: str, *events: EventData) -> list[Envelope[Any]]:
    """Put events on their (prefixed) topics exactly as their producing service would."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    envelopes = []
    try:
        for data in events:
            env: Envelope[Any] = Envelope(data=data, source="/tests")
            msg = encode(env)
            await producer.send_and_wait(
                topic_prefix + msg.topic, msg.value, key=msg.key, headers=msg.headers
            )
            envelopes.append(env)
    finally:
        await producer.stop()
    return envelopes


async def publish_offering(
    r: Running, *, price: int = 4900, version: int = 1, provider_id: uuid.UUID | None = None
) -> OfferingPublishedV1:
    """Catalog publishes an offering; returns once enrollment's read model has it."""
    offering = make_event(
        OfferingPublishedV1,
        version=version,
        price=Money(amount=price, currency="EUR"),
        provider_id=provider_id or uuid.uuid4(),
    )
    await produce(r.settings.kafka_bootstrap, r.settings.topic_prefix, offering)
    await wait_for_head(r, offering.offering_id, version)
    return offering


async def wait_for_head(
    r: Running, offering_id: uuid.UUID, version: int, status: str = "published"
) -> None:
    async def arrived() -> bool:
        async with r.db.unit_of_work() as uow:
            head = await repository.load_head(uow.session, offering_id)
        return head is not None and head.current_version == version and head.status == status

    await wait_until(arrived, timeout=30, message=f"offering {offering_id} v{version} {status}")


async def enrollment_events(r: Running, count: int) -> list[Envelope[Any]]:
    """The first ``count`` events on the prefixed enrollment topic, decoded and validated."""
    records = await consume_all(
        r.settings.kafka_bootstrap, r.settings.topic_prefix + "enrollment.enrollments", count
    )
    return [decode(rec.value, list(rec.headers), rec.key) for rec in records]


async def wait_for_status(
    r: Running, enrollment_id: str, status: str, headers: dict[str, str]
) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    async def reached() -> bool:
        resp = await r.client.get(f"/v1/enrollments/{enrollment_id}", headers=headers)
        seen.update(resp.json())
        return bool(resp.status_code == 200 and seen.get("status") == status)

    await wait_until(reached, timeout=30, message=f"enrollment {enrollment_id} -> {status}")
    return seen
