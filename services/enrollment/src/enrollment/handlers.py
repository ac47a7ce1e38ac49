"""One function per consumed event type. Each runs in the consumer's unit of work,
after the inbox has dropped redeliveries; the domain makes late and out-of-order
events harmless on top of that."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from credmarket_events.catalog import OfferingPublishedV1, OfferingRetiredV1, OfferingUpdatedV1
from credmarket_events.issuance import CredentialIssuedV1, CredentialRevokedV1
from credmarket_events.payments import (
    PaymentFailedV1,
    PaymentInitiatedV1,
    PaymentRefundedV1,
    PaymentSucceededV1,
)
from credmarket_platform.messaging.handlers import (
    HandlerContext,
    HandlerRegistry,
    NonRetryableError,
)

from enrollment.actions import changes
from enrollment.db import repository
from enrollment.domain import lifecycle, offerings
from enrollment.domain.enrollment import Enrollment
from enrollment.domain.facts import Transition
from enrollment.domain.purchase import OfferingVersion
from enrollment.domain.values import Price


def _now() -> datetime:
    return datetime.now(UTC)


# --- catalog: the offering read model ----------------------------------------------


async def _handle_version(
    ctx: HandlerContext[OfferingPublishedV1] | HandlerContext[OfferingUpdatedV1],
) -> None:
    d = ctx.data
    session = ctx.uow.session
    version = OfferingVersion(
        offering_id=d.offering_id,
        provider_id=d.provider_id,
        version=d.version,
        title=d.title,
        price=Price(d.price.amount, d.price.currency),
    )
    await repository.add_version(
        session, version, d.achievement.model_dump(mode="json"), ctx.envelope.time
    )
    head = await repository.load_head(session, d.offering_id, for_update=True)
    new_head = offerings.apply_version(
        head,
        offering_id=d.offering_id,
        provider_id=d.provider_id,
        version=d.version,
        at=ctx.envelope.time,
    )
    if new_head != head:
        await repository.save_head(session, new_head)


async def handle_offering_published(ctx: HandlerContext[OfferingPublishedV1]) -> None:
    await _handle_version(ctx)


async def handle_offering_updated(ctx: HandlerContext[OfferingUpdatedV1]) -> None:
    await _handle_version(ctx)


async def handle_offering_retired(ctx: HandlerContext[OfferingRetiredV1]) -> None:
    d = ctx.data
    session = ctx.uow.session
    head = await repository.load_head(session, d.offering_id, for_update=True)
    new_head = offerings.apply_retirement(
        head,
        offering_id=d.offering_id,
        provider_id=d.provider_id,
        version=d.version,
        at=d.retired_at,
    )
    if new_head != head:
        await repository.save_head(session, new_head)


# --- payments and issuance: the enrollment lifecycle ---------------------------------


async def _enrollment(ctx: HandlerContext[Any], enrollment_id: UUID) -> Enrollment:
    e = await repository.load(ctx.uow.session, enrollment_id, for_update=True)
    if e is None:
        # Enrollments are committed before payments or issuance can hear of them, so
        # this event belongs to no enrollment of ours: retrying cannot help.
        raise NonRetryableError(f"{ctx.envelope.type} for unknown enrollment {enrollment_id}")
    return e


async def _commit_transition(ctx: HandlerContext[Any], transition: Transition) -> None:
    await changes.apply(ctx.uow.session, transition, now=_now(), emit=ctx.emit)


async def handle_payment_initiated(ctx: HandlerContext[PaymentInitiatedV1]) -> None:
    d = ctx.data
    e = await _enrollment(ctx, d.enrollment_id)
    await _commit_transition(
        ctx,
        lifecycle.payment_initiated(
            e,
            payment_id=d.payment_id,
            payment_intent_id=d.stripe_payment_intent_id,
            client_secret=d.client_secret,
        ),
    )


async def handle_payment_succeeded(ctx: HandlerContext[PaymentSucceededV1]) -> None:
    d = ctx.data
    e = await _enrollment(ctx, d.enrollment_id)
    await _commit_transition(
        ctx,
        lifecycle.payment_succeeded(
            e,
            payment_id=d.payment_id,
            payment_intent_id=d.stripe_payment_intent_id,
            at=d.succeeded_at,
        ),
    )


async def handle_payment_failed(ctx: HandlerContext[PaymentFailedV1]) -> None:
    d = ctx.data
    e = await _enrollment(ctx, d.enrollment_id)
    await _commit_transition(
        ctx,
        lifecycle.payment_failed(e, reason=d.reason, decline_code=d.decline_code, at=d.failed_at),
    )


async def handle_payment_refunded(ctx: HandlerContext[PaymentRefundedV1]) -> None:
    d = ctx.data
    e = await _enrollment(ctx, d.enrollment_id)
    await _commit_transition(
        ctx, lifecycle.payment_refunded(e, payment_id=d.payment_id, full=d.full, at=d.refunded_at)
    )


async def handle_credential_issued(ctx: HandlerContext[CredentialIssuedV1]) -> None:
    d = ctx.data
    e = await _enrollment(ctx, d.enrollment_id)
    await _commit_transition(
        ctx,
        lifecycle.credential_issued(
            e, credential_id=d.credential_id, public_url=d.public_url, at=d.issued_at
        ),
    )


async def handle_credential_revoked(ctx: HandlerContext[CredentialRevokedV1]) -> None:
    d = ctx.data
    e = await _enrollment(ctx, d.enrollment_id)
    await _commit_transition(
        ctx, lifecycle.credential_revoked(e, credential_id=d.credential_id, at=d.revoked_at)
    )


def build_registry() -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.register(OfferingPublishedV1, handle_offering_published)
    registry.register(OfferingUpdatedV1, handle_offering_updated)
    registry.register(OfferingRetiredV1, handle_offering_retired)
    registry.register(PaymentInitiatedV1, handle_payment_initiated)
    registry.register(PaymentSucceededV1, handle_payment_succeeded)
    registry.register(PaymentFailedV1, handle_payment_failed)
    registry.register(PaymentRefundedV1, handle_payment_refunded)
    registry.register(CredentialIssuedV1, handle_credential_issued)
    registry.register(CredentialRevokedV1, handle_credential_revoked)
    return registry
