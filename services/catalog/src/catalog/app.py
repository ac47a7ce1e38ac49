"""The catalog app: routers, plumbing, and a lifespan that prepares signing keys and
runs the outbox relay, the consumer and the webhook delivery worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from credmarket_platform.auth import JwksKeySet, TokenVerifier, TrustedIssuer
from credmarket_platform.http.app_factory import create_service_app
from credmarket_platform.http.health import kafka_metadata_check
from credmarket_platform.messaging.wiring import messaging_tasks
from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from catalog.api import (
    browse_routes,
    offering_routes,
    provider_routes,
    token_routes,
    webhook_delivery_routes,
    webhook_routes,
)
from catalog.clock import utcnow
from catalog.handlers import build_registry
from catalog.runtime import CatalogRuntime
from catalog.search.read_model import running_read_model
from catalog.security.idempotency import EncryptingIdempotencyStore
from catalog.settings import CatalogSettings
from catalog.webhooks.delivery import running_delivery

VERSION = "0.1.0"
_SELF = "http://catalog.internal"


class _LateBoundApp:
    """An ASGI app that forwards to one set after construction (the app itself)."""

    def __init__(self) -> None:
        self.app: FastAPI | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None
        await self.app(scope, receive, send)


def _verifier(settings: CatalogSettings, self_app: _LateBoundApp) -> TokenVerifier:
    """Trust the configured issuers plus our own provider tokens.

    Our own keys are read through our own JWKS endpoint, in process, so the catalog
    verifies provider tokens exactly as every other service does.
    TODO(credmarket_platform.auth): a TrustedIssuer backed by a local key source, so a
    service that issues tokens can trust them without an HTTP round trip to itself.
    """
    base = TokenVerifier.from_settings(settings)
    own = TrustedIssuer(
        settings.provider_token_issuer,
        jwks=JwksKeySet(
            f"{_SELF}/.well-known/jwks.json",
            client=httpx.AsyncClient(transport=httpx.ASGITransport(app=self_app)),
            ttl=60.0,
            # Rotation must be followed at once; the endpoint is local and cheap.
            min_refetch_interval=1.0,
        ),
    )
    issuers = {**base.issuers, own.name: own}
    return TokenVerifier(issuers.values(), audience=settings.jwt_audience)


def create_app(
    settings: CatalogSettings | None = None, runtime: CatalogRuntime | None = None
) -> FastAPI:
    """``runtime``: what the app shares, built from ``settings`` unless given (tests give
    one with their own clock)."""
    runtime = runtime or CatalogRuntime.from_settings(settings or CatalogSettings())
    settings = runtime.settings
    db = runtime.db
    self_app = _LateBoundApp()

    @asynccontextmanager
    async def prepare_signing_key(_app: Any) -> AsyncIterator[None]:
        async with db.unit_of_work() as uow:
            await runtime.signing_keys.ensure_active(uow.session, utcnow())
            await uow.commit()
        try:
            yield
        finally:
            await db.dispose()

    lifespan_tasks = [
        prepare_signing_key,
        *messaging_tasks(settings, db, build_registry(runtime.clock)),
    ]
    if runtime.delivery is not None:
        worker = runtime.delivery

        @asynccontextmanager
        async def webhook_delivery(_app: Any) -> AsyncIterator[None]:
            async with running_delivery(worker):
                yield

        lifespan_tasks.append(webhook_delivery)
    ready_checks = {"database": db.ping, "kafka": kafka_metadata_check(settings.kafka_bootstrap)}
    if runtime.search is not None:
        model = runtime.search

        @asynccontextmanager
        async def search_read_model(_app: Any) -> AsyncIterator[None]:
            async with running_read_model(model):
                yield

        lifespan_tasks.append(search_read_model)
        # A replica takes search traffic only once its index has caught up.
        ready_checks["search"] = model.check_ready

    app = create_service_app(
        settings,
        title="credmarket catalog",
        version=VERSION,
        description="Providers, their API keys and tokens, offerings, and public search.",
        routers=[
            provider_routes.router,
            token_routes.router,
            offering_routes.router,
            browse_routes.router,
            webhook_routes.router,
            webhook_delivery_routes.router,
        ],
        lifespan_tasks=lifespan_tasks,
        ready_checks=ready_checks,
        token_verifier=_verifier(settings, self_app),
        idempotency_store=EncryptingIdempotencyStore(db.engine, runtime.kek),
    )
    app.state.runtime = runtime
    self_app.app = app
    return app
