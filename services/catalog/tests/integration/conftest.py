"""The catalog on the real broker and a fresh database, driven through its HTTP API."""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import catalog
import httpx
import pytest
from catalog.app import create_app
from catalog.settings import CatalogSettings
from credmarket_platform.auth import mint_token
from credmarket_platform.db.migrations import upgrade_async
from credmarket_testing.wait import wait_until
from fastapi import FastAPI

DEV_SECRET = "integration-test-secret-of-at-least-32-bytes"
MIGRATIONS = Path(catalog.__file__).parent / "db" / "migrations"


@pytest.fixture
async def settings(database_url: str, topic_prefix: str, kafka_bootstrap: str) -> CatalogSettings:
    await upgrade_async(MIGRATIONS, database_url)
    return CatalogSettings(
        database_url=database_url,
        topic_prefix=topic_prefix,
        kafka_bootstrap=kafka_bootstrap,
        jwt_issuers="credmarket-dev",
        jwt_dev_secret=DEV_SECRET,
        dev_mode=True,
        signing_kek=base64.b64encode(os.urandom(32)).decode(),
        relay_poll_interval_s=0.2,
        log_json=False,
        # Only the webhook tests need the consumer and the delivery worker; they turn
        # them on (test_catalog_webhooks.py).
        run_consumer=False,
        run_webhook_delivery=False,
    )


@pytest.fixture
async def app(settings: CatalogSettings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        await search_ready(application)
        yield application


async def search_ready(application: FastAPI) -> None:
    """Until the search index is built, search answers 503 (as /readyz does)."""
    model = application.state.runtime.search
    if model is not None:
        await wait_until(lambda: model.state.ready, timeout=60, message="search index not ready")


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://catalog.test"
    ) as c:
        yield c


def dev_token(role: Any, subject: str | None = None) -> dict[str, str]:
    token = mint_token(
        subject or str(uuid.uuid4()), role, issuer="credmarket-dev", secret=DEV_SECRET
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def ops() -> dict[str, str]:
    return dev_token("ops")


def provider_body(**changes: Any) -> dict[str, Any]:
    return {
        "name": "Example Academy",
        "contact_email": "courses@academy.example",
        "website": "https://academy.example",
        "description": "Short courses that end in a credential.",
        "logo_url": "https://academy.example/logo.png",
        **changes,
    }


def offering_body(**changes: Any) -> dict[str, Any]:
    return {
        "title": "Data Wrangling with Python",
        "description": "Clean, join and reshape tabular data with pandas.",
        "skills": ["Python", "pandas"],
        "level": "intermediate",
        "duration_minutes": 90,
        "language": "en-GB",
        "price": {"amount": 4900, "currency": "EUR"},
        "achievement": {
            "name": "Data Wrangler",
            "description": "Cleans, joins and reshapes tabular data.",
            "criteria_narrative": "Pass the final project with at least 70 percent.",
            "image_url": "https://cdn.academy.example/badge.png",
            "valid_for_days": 730,
        },
        **changes,
    }


async def register(
    client: httpx.AsyncClient, ops: dict[str, str], **changes: Any
) -> dict[str, Any]:
    response = await client.post("/v1/providers", json=provider_body(**changes), headers=ops)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def provider_headers(client: httpx.AsyncClient, api_key: str) -> dict[str, str]:
    response = await client.post("/v1/provider-tokens", json={"api_key": api_key})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def searched(client: httpx.AsyncClient, expected: int, **params: Any) -> list[str]:
    """The ids a search finds once it finds ``expected`` of them: the index follows
    catalog's events, so a publish shows in search a moment later (ADR 0022)."""
    found: list[str] = []

    async def enough() -> bool:
        nonlocal found
        response = await client.get("/v1/offerings", params=params)
        assert response.status_code == 200, response.text
        found = [o["id"] for o in response.json()["items"]]
        return len(found) == expected

    await wait_until(enough, timeout=30, message=f"search {params} never found {expected}")
    return found


class Kit:
    """The helpers above, handed to tests as a fixture (test modules can't import conftest)."""

    def __init__(self, client: httpx.AsyncClient, ops: dict[str, str]) -> None:
        self.client = client
        self.ops = ops
        self.dev_token = dev_token
        self.provider_body = provider_body
        self.offering_body = offering_body
        self.searched = searched

    async def register(self, **changes: Any) -> dict[str, Any]:
        return await register(self.client, self.ops, **changes)

    async def provider_headers(self, api_key: str) -> dict[str, str]:
        return await provider_headers(self.client, api_key)


@pytest.fixture
def kit(client: httpx.AsyncClient, ops: dict[str, str]) -> Kit:
    return Kit(client, ops)


@pytest.fixture
async def provider(client: httpx.AsyncClient, ops: dict[str, str]) -> dict[str, Any]:
    """A registered provider: its id, API key and a bearer header from the exchange."""
    registered = await register(client, ops)
    key = registered["api_key"]["key"]
    return {
        "id": registered["provider"]["id"],
        "key": key,
        "key_id": registered["api_key"]["id"],
        "headers": await provider_headers(client, key),
    }
