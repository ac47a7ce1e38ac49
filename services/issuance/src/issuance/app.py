"""The issuance app: routes, and a lifespan running the outbox relay and two consumers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from credmarket_platform.http.app_factory import LifespanTask, create_service_app
from credmarket_platform.http.health import kafka_metadata_check
from credmarket_platform.http.idempotency import IdempotencyStore
from credmarket_platform.messaging.wiring import messaging_tasks
from fastapi import FastAPI

from issuance.api import (
    badge_host_consent_routes,
    badge_host_routes,
    baked_routes,
    credential_routes,
    issuer_routes,
    oid4vci_routes,
    public_routes,
    verify_routes,
    wallet_offer_routes,
)
from issuance.handlers import enrollment_registry, provider_registry
from issuance.runtime import IssuanceRuntime
from issuance.settings import IssuanceSettings

VERSION = "0.1.0"


def create_app(
    settings: IssuanceSettings | None = None, runtime: IssuanceRuntime | None = None
) -> FastAPI:
    """``runtime``: what the app shares, built from ``settings`` unless given."""
    rt = runtime or IssuanceRuntime.from_settings(settings or IssuanceSettings())
    settings = rt.settings
    db = rt.db

    @asynccontextmanager
    async def database(_app: Any) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await db.dispose()

    # Two groups: a completion waiting for its issuer must not hold back the provider
    # events it waits for (handlers.py).
    tasks: list[LifespanTask] = [
        database,
        *messaging_tasks(
            settings,
            db,
            enrollment_registry(rt),
            more_groups={settings.provider_group(): provider_registry(rt)},
        ),
    ]

    app = create_service_app(
        settings,
        title="credmarket issuance",
        version=VERSION,
        description="Open Badges 3.0 credentials: issuers (did:web), signing keys, "
        "issuance, revocation (Bitstring Status List) and verification.",
        routers=[
            public_routes.router,
            verify_routes.router,
            baked_routes.router,
            credential_routes.router,
            issuer_routes.router,
            wallet_offer_routes.router,
            oid4vci_routes.router,
            badge_host_routes.router,
            badge_host_consent_routes.router,
        ],
        lifespan_tasks=tasks,
        ready_checks={"database": db.ping, "kafka": kafka_metadata_check(settings.kafka_bootstrap)},
        idempotency_store=IdempotencyStore(db.engine),
    )
    app.state.runtime = rt
    return app
