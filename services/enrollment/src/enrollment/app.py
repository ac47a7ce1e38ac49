"""The enrollment app: purchases and the lifecycle, fed by catalog, payments and issuance."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from credmarket_platform.http.app_factory import LifespanTask, create_service_app
from credmarket_platform.http.health import kafka_metadata_check
from credmarket_platform.http.idempotency import IdempotencyStore
from credmarket_platform.messaging.wiring import messaging_tasks
from fastapi import FastAPI

from enrollment.api import completion_routes, enrollments_routes, events_routes
from enrollment.db.live_updates import live_updates_task
from enrollment.handlers import build_registry
from enrollment.runtime import EnrollmentRuntime
from enrollment.settings import EnrollmentSettings
from enrollment.sweeps import sweep_task

VERSION = "0.1.0"


def create_app(
    settings: EnrollmentSettings | None = None, runtime: EnrollmentRuntime | None = None
) -> FastAPI:
    """``runtime``: what the app shares, built from ``settings`` unless given."""
    runtime = runtime or EnrollmentRuntime.from_settings(settings or EnrollmentSettings())
    settings = runtime.settings
    db = runtime.db

    @contextlib.asynccontextmanager
    async def database(_app: Any) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await db.dispose()

    tasks: list[LifespanTask] = [database, live_updates_task(runtime.updates)]
    tasks.extend(messaging_tasks(settings, db, build_registry()))
    if settings.run_sweeps:
        tasks.append(
            sweep_task(
                db,
                interval_s=settings.sweep_interval_s,
                batch_size=settings.sweep_batch_size,
                keep_updates=timedelta(days=settings.live_keep_updates_days),
            )
        )

    app = create_service_app(
        settings,
        title="credmarket enrollment",
        version=VERSION,
        description="Learners buy offerings; each enrollment is driven from request to "
        "credential by events from catalog, payments and issuance.",
        routers=[enrollments_routes.router, events_routes.router, completion_routes.router],
        lifespan_tasks=tasks,
        ready_checks={
            "database": db.ping,
            "kafka": kafka_metadata_check(settings.kafka_bootstrap),
        },
        idempotency_store=IdempotencyStore(db.engine),
    )
    app.state.runtime = runtime
    return app
