"""Events the catalog consumes: what providers hear about through their webhooks.

The catalog is the source of offerings and reads no other service's events for its
own state. It reads the enrollment and credential lifecycles only to deliver them to
the provider concerned (ADR 0023). Events that do not name the provider are routed
through the enrollments it has heard of; a credential event waits for the enrollment
step that caused it, so a provider never hears of a credential before the completion.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

from credmarket_events.enrollment import (
    EnrollmentActivatedV1,
    EnrollmentCancelledV1,
    EnrollmentCompletedV1,
    EnrollmentRequestedV1,
    EnrollmentRevokedV1,
)
from credmarket_events.issuance import CredentialIssuedV1, CredentialRevokedV1
from credmarket_platform.failures import TransientError
from credmarket_platform.messaging.handlers import HandlerContext, HandlerRegistry

from catalog.clock import Clock, SystemClock
from catalog.db import webhook_enrollments as heard
from catalog.webhooks.fanout import enqueue_to

log = logging.getLogger(__name__)

# How long an event whose enrollment step has not been seen yet is retried: the other
# topic's partition is usually a moment behind. Past this the step will not come (the
# enrollment predates the catalog reading these topics) and the event is not delivered.
CAUSE_GRACE = timedelta(minutes=10)

Step = Callable[[HandlerContext[Any], Clock], Awaitable[None]]


async def handle_enrollment_requested(
    ctx: HandlerContext[EnrollmentRequestedV1], clock: Clock
) -> None:
    await heard.remember_enrollment(ctx.uow.session, ctx.data.enrollment_id, ctx.data.provider_id)


async def handle_enrollment_activated(
    ctx: HandlerContext[EnrollmentActivatedV1], clock: Clock
) -> None:
    subscribers = await heard.remember_enrollment_for(
        ctx.uow.session, ctx.envelope.type, ctx.data.enrollment_id, ctx.data.provider_id
    )
    await _deliver(ctx, ctx.data.provider_id, ctx.data.enrollment_id, subscribers, clock)


async def handle_enrollment_cancelled(
    ctx: HandlerContext[EnrollmentCancelledV1], clock: Clock
) -> None:
    known = await heard.known_enrollment(ctx.uow.session, ctx.data.enrollment_id, ctx.envelope.type)
    if known is None:
        _unroutable(ctx, clock)
        return
    await _deliver(ctx, known.provider_id, ctx.data.enrollment_id, known.subscribers, clock)


async def handle_enrollment_completed(
    ctx: HandlerContext[EnrollmentCompletedV1], clock: Clock
) -> None:
    subscribers = await heard.remember_enrollment_for(
        ctx.uow.session,
        ctx.envelope.type,
        ctx.data.enrollment_id,
        ctx.data.provider_id,
        completed=True,
    )
    await _deliver(ctx, ctx.data.provider_id, ctx.data.enrollment_id, subscribers, clock)


async def handle_enrollment_revoked(ctx: HandlerContext[EnrollmentRevokedV1], clock: Clock) -> None:
    known = await heard.mark_revoked(ctx.uow.session, ctx.data.enrollment_id, ctx.envelope.type)
    if known is None:
        _unroutable(ctx, clock)
        return
    await _deliver(ctx, known.provider_id, ctx.data.enrollment_id, known.subscribers, clock)


async def handle_credential_issued(ctx: HandlerContext[CredentialIssuedV1], clock: Clock) -> None:
    known = await heard.known_enrollment(ctx.uow.session, ctx.data.enrollment_id, ctx.envelope.type)
    if known is None or not known.completed:
        _unroutable(ctx, clock)
        return
    await _deliver(ctx, known.provider_id, ctx.data.enrollment_id, known.subscribers, clock)


async def handle_credential_revoked(ctx: HandlerContext[CredentialRevokedV1], clock: Clock) -> None:
    known = await heard.known_enrollment(ctx.uow.session, ctx.data.enrollment_id, ctx.envelope.type)
    if known is None or not known.revoked:
        _unroutable(ctx, clock)
        return
    await _deliver(ctx, known.provider_id, ctx.data.enrollment_id, known.subscribers, clock)


async def _deliver(
    ctx: HandlerContext[Any],
    provider_id: UUID,
    enrollment_id: UUID,
    subscribers: list[UUID],
    clock: Clock,
) -> None:
    await enqueue_to(
        ctx.uow.session, subscribers, ctx.envelope, provider_id, str(enrollment_id), clock.now()
    )


def _unroutable(ctx: HandlerContext[Any], clock: Clock) -> None:
    if clock.now() - ctx.envelope.time < CAUSE_GRACE:
        raise TransientError(
            f"{ctx.envelope.type} {ctx.envelope.id}: its enrollment step is not seen yet"
        )
    log.warning(
        "not delivering %s %s: its enrollment was never seen", ctx.envelope.type, ctx.envelope.id
    )


def build_registry(clock: Clock | None = None) -> HandlerRegistry:
    at = clock or SystemClock()
    registry = HandlerRegistry()
    steps: list[tuple[type[Any], Step]] = [
        (EnrollmentRequestedV1, handle_enrollment_requested),
        (EnrollmentActivatedV1, handle_enrollment_activated),
        (EnrollmentCancelledV1, handle_enrollment_cancelled),
        (EnrollmentCompletedV1, handle_enrollment_completed),
        (EnrollmentRevokedV1, handle_enrollment_revoked),
        (CredentialIssuedV1, handle_credential_issued),
        (CredentialRevokedV1, handle_credential_revoked),
    ]
    for model, step in steps:
        registry.register(model, _with_clock(step, at))
    return registry


def _with_clock(step: Step, clock: Clock) -> Callable[[HandlerContext[Any]], Awaitable[None]]:
    async def handle(ctx: HandlerContext[Any]) -> None:
        await step(ctx, clock)

    return handle
