"""Turn a service's settings and handlers into the lifespan tasks of its app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from typing import Any

from credmarket_platform.db.database import Database
from credmarket_platform.db.housekeeping import Retention, housekeeping_task
from credmarket_platform.failures import PLATFORM_FAILURES, FailurePolicy
from credmarket_platform.messaging.consumer import ConsumerRunner, running_consumer
from credmarket_platform.messaging.handlers import HandlerRegistry
from credmarket_platform.messaging.relay import running_relay
from credmarket_platform.settings import ServiceSettings

LifespanTask = Callable[[Any], AbstractAsyncContextManager[None]]


def consumer_runner(
    settings: ServiceSettings,
    db: Database,
    registry: HandlerRegistry,
    *,
    group: str | None = None,
    failures: FailurePolicy = PLATFORM_FAILURES,
) -> ConsumerRunner:
    """A consumer with every knob from the settings; ``group`` for a service that runs
    more than its one default group (issuance)."""
    return ConsumerRunner(
        db,
        registry,
        bootstrap=settings.kafka_bootstrap,
        group=group or settings.group(),
        topics=sorted(settings.topic(t) for t in registry.topics()),
        source=f"/{settings.service_name}",
        max_attempts=settings.consumer_max_attempts,
        backoff_initial_s=settings.consumer_backoff_initial_s,
        backoff_max_s=settings.consumer_backoff_max_s,
        commit_interval_s=settings.consumer_commit_interval_s,
        failures=failures,
    )


def consumer_task(runner: ConsumerRunner) -> LifespanTask:
    @asynccontextmanager
    async def consumer(_app: Any) -> AsyncIterator[None]:
        async with running_consumer(runner):
            yield

    return consumer


def messaging_tasks(
    settings: ServiceSettings,
    db: Database,
    registry: HandlerRegistry | None,
    *,
    failures: FailurePolicy = PLATFORM_FAILURES,
) -> list[LifespanTask]:
    """The relay (always, when enabled), the consumer (when the service consumes), and
    the housekeeping of the plumbing's own tables."""
    tasks: list[LifespanTask] = [
        housekeeping_task(
            db,
            Retention(
                idempotency_keys=timedelta(seconds=settings.idempotency_key_retention_s),
                sent_outbox_rows=timedelta(seconds=settings.sent_outbox_retention_s),
            ),
            settings.housekeeping_interval_s,
        )
    ]

    if settings.run_relay:

        @asynccontextmanager
        async def relay(_app: Any) -> AsyncIterator[None]:
            async with running_relay(
                db,
                settings.kafka_bootstrap,
                service=settings.service_name,
                batch_size=settings.relay_batch_size,
                poll_interval_s=settings.relay_poll_interval_s,
                send_timeout_s=settings.relay_send_timeout_s,
            ):
                yield

        tasks.append(relay)

    if settings.run_consumer and registry is not None and registry.handlers:
        tasks.append(consumer_task(consumer_runner(settings, db, registry, failures=failures)))
    return tasks
