"""The payments app: routers, the consumer and relay, the reconciliation sweep."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from credmarket_platform.http.app_factory import create_service_app
from credmarket_platform.http.health import kafka_metadata_check
from credmarket_platform.http.idempotency import IdempotencyStore
from credmarket_platform.messaging.wiring import messaging_tasks
from fastapi import FastAPI

from payments.api import (
    config_routes,
    earnings_routes,
    payments_routes,
    providers_routes,
    refunds_routes,
    webhook_routes,
)
from payments.failures import PAYMENTS_FAILURES
from payments.handlers import build_registry
from payments.runtime import PaymentsRuntime
from payments.settings import PaymentsSettings
from payments.sweeps import reconciliation_task

VERSION = "0.1.0"


def create_app(
    settings: PaymentsSettings | None = None, runtime: PaymentsRuntime | None = None
) -> FastAPI:
    """``runtime``: what the app shares, built from ``settings`` unless given (tests give
    one with their own Stripe gateway)."""
    rt = runtime or PaymentsRuntime.from_settings(settings or PaymentsSettings())
    settings = rt.settings
    db = rt.db
    gateway = rt.stripe

    @asynccontextmanager
    async def resources(_app: Any) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await gateway.aclose()
            await db.dispose()

    app = create_service_app(
        settings,
        title="credmarket payments",
        version=VERSION,
        description="Stripe payments for enrollments, Stripe webhooks, refunds and earnings.",
        routers=[
            config_routes.router,
            payments_routes.router,
            refunds_routes.router,
            earnings_routes.router,
            providers_routes.router,
            webhook_routes.router,
        ],
        # Entered in order, left in reverse: resources outlive everything that uses them.
        lifespan_tasks=[
            resources,
            *messaging_tasks(settings, db, build_registry(rt), failures=PAYMENTS_FAILURES),
            *([reconciliation_task(rt)] if settings.run_sweeps else []),
        ],
        ready_checks={"database": db.ping, "kafka": kafka_metadata_check(settings.kafka_bootstrap)},
        idempotency_store=IdempotencyStore(db.engine),
        failures=PAYMENTS_FAILURES,
    )
    app.state.runtime = rt
    return app
