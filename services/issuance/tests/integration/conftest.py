"""Run the issuance app on the real broker and a fresh database, and talk to it."""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import issuance
import pytest
from aiokafka import AIOKafkaProducer
from credmarket_events.base import EventData
from credmarket_events.catalog import ProviderRegisteredV1
from credmarket_events.enrollment import CompletionResult, EnrollmentCompletedV1
from credmarket_events.envelope import Envelope, encode
from credmarket_events.testing import make_event
from credmarket_platform.auth import mint_token
from credmarket_platform.auth.principal import Role
from credmarket_platform.db import Database
from credmarket_platform.db.migrations import upgrade_async
from credmarket_testing.wait import wait_until
from fastapi import FastAPI
from issuance.app import create_app
from issuance.db import repository
from issuance.db.tables import Credential
from issuance.settings import IssuanceSettings

MIGRATIONS = Path(issuance.__file__).parent / "db" / "migrations"
DEV_SECRET = "integration-test-secret-0123456789abcdef"
JWT_ISSUER = "credmarket-dev"
PUBLIC_BASE = "http://issuance.test"


@dataclass
class Harness:
    app: FastAPI
    client: httpx.AsyncClient
    settings: IssuanceSettings
    producer: AIOKafkaProducer

    @property
    def db(self) -> Database:
        db = self.app.state.runtime.db
        assert isinstance(db, Database)
        return db

    async def produce(self, data: EventData, source: str = "/credmarket/test") -> Envelope[Any]:
        envelope = Envelope(data=data, source=source)
        message = encode(envelope)
        await self.producer.send_and_wait(
            self.settings.topic(message.topic),
            message.value,
            key=message.key,
            headers=message.headers,
        )
        return envelope

    def auth(self, role: Role, subject: str) -> dict[str, str]:
        token = mint_token(subject, role, issuer=JWT_ISSUER, secret=DEV_SECRET)
        return {"Authorization": f"Bearer {token}"}


def issuance_settings(
    database_url: str, topic_prefix: str, bootstrap: str, **overrides: Any
) -> IssuanceSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "topic_prefix": topic_prefix,
        "kafka_bootstrap": bootstrap,
        "public_base_url": PUBLIC_BASE,
        "kek": base64.b64encode(os.urandom(32)).decode(),
        "jwt_issuers": JWT_ISSUER,
        "jwt_dev_secret": DEV_SECRET,
        "dev_mode": True,
        "jwt_jwks_urls": "",
        "relay_poll_interval_s": 0.2,
        "consumer_backoff_initial_s": 0.05,
        "consumer_backoff_max_s": 0.5,
        "log_json": False,
        **overrides,
    }
    return IssuanceSettings(**values)


StartIssuance = Callable[..., AbstractAsyncContextManager[Harness]]


@pytest.fixture
def start_issuance(database_url: str, topic_prefix: str, kafka_bootstrap: str) -> StartIssuance:
    """``async with start_issuance(**settings_overrides) as harness:`` runs the app."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Harness]:
        settings = issuance_settings(database_url, topic_prefix, kafka_bootstrap, **overrides)
        await upgrade_async(MIGRATIONS, database_url)
        app = create_app(settings)
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True)
        await producer.start()
        try:
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_BASE) as client:
                    yield Harness(app, client, settings, producer)
        finally:
            await producer.stop()

    return start


@pytest.fixture
async def harness(start_issuance: StartIssuance) -> AsyncIterator[Harness]:
    async with start_issuance() as running:
        yield running


@pytest.fixture
def make_issuance_settings() -> Callable[..., IssuanceSettings]:
    """``issuance_settings`` for tests that start the app themselves."""
    return issuance_settings


@pytest.fixture
def issuance_migrations() -> Path:
    return MIGRATIONS


IssueCredential = Callable[..., Awaitable[Credential]]


@pytest.fixture
def issue_credential() -> IssueCredential:
    """``await issue_credential(harness, learner_id=…)``: an issuer, a completion, its credential.

    Goes the way production does: ProviderRegistered and EnrollmentCompleted on the broker.
    """

    async def issue(h: Harness, **completion: Any) -> Credential:

        provider = make_event(
            ProviderRegisteredV1, name="Acme Academy", website="https://a.example"
        )
        await h.produce(provider)
        event = make_event(
            EnrollmentCompletedV1,
            provider_id=provider.provider_id,
            **{
                "learner_name": "Ada Lovelace",
                "result": CompletionResult(passed=True, score=92.5),
                **completion,
            },
        )
        await h.produce(event)

        async def found() -> Credential | None:
            async with h.db.unit_of_work() as uow:
                credential = await repository.credential_for_enrollment(
                    uow.session, event.enrollment_id
                )
                if credential is not None:
                    uow.session.expunge(credential)
                return credential

        await wait_until(lambda: _is_some(found()), timeout=30, message="no credential issued")
        credential = await found()
        assert credential is not None
        return credential

    return issue


async def _is_some(value: Awaitable[object]) -> bool:
    return (await value) is not None
