"""Turn a service's settings and handlers into the lifespan tasks of its app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
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
    """A consumer with every knob from the settings; ``group`` defaults to the service's."""
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
    more_groups: Mapping[str, HandlerRegistry] | None = None,
) -> list[LifespanTask]:
    """The relay (always, when enabled), the consumers (when the service consumes), and
    the housekeeping of the plumbing's own tables.

    ``registry`` is consumed by the service's own group (``settings.group()``);
    ``more_groups`` maps further group names to their handlers, for a service whose
    streams must not wait on each other (issuance). Every group is built here, from the
    same settings, so no service's consumer can miss a knob the others honour.
    """
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

    groups: dict[str, HandlerRegistry] = {}
    if registry is not None:
        groups[settings.group()] = registry
    groups.update(more_groups or {})
    if settings.run_consumer:
        tasks.extend(
            consumer_task(consumer_runner(settings, db, handlers, group=group, failures=failures))
            for group, handlers in groups.items()
            if handlers.handlers
        )
    return tasks
