"""Queries the API, the handlers and the sweeps share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from payments.db.tables import (
    Payment,
    Refund,
    payments_table,
    refunds_table,
)
from payments.domain.refund_status import RESERVING, RefundStatus
from payments.domain.status import PaymentStatus

_S = TypeVar("_S", bound=Any)


def _locked(stmt: _S) -> _S:
    """FOR UPDATE, and the row as it is once locked: without populate_existing the
    session would keep the state it read before waiting for the lock."""
    locked: _S = stmt.with_for_update().execution_options(populate_existing=True)
    return locked


# Refunds whose amount counts against what is left: done, or at Stripe right now.
RESERVING_REFUND_STATES = tuple(sorted(s.value for s in RESERVING))


# The look-ups every payment runs are built once and only bound per call.
_BY_ID = select(Payment).where(Payment.id == sa.bindparam("payment_key"))
_BY_ENROLLMENT = select(Payment).where(Payment.enrollment_id == sa.bindparam("enrollment_key"))
_BY_INTENT = select(Payment).where(Payment.stripe_payment_intent_id == sa.bindparam("intent_key"))
_BY_ID_LOCKED = _locked(_BY_ID)
_BY_ENROLLMENT_LOCKED = _locked(_BY_ENROLLMENT)
_BY_INTENT_LOCKED = _locked(_BY_INTENT)


async def payment_by_id(
    session: AsyncSession, payment_id: UUID, *, lock: bool = False
) -> Payment | None:
    stmt = _BY_ID_LOCKED if lock else _BY_ID
    return (await session.execute(stmt, {"payment_key": payment_id})).scalars().first()


async def payment_by_enrollment(
    session: AsyncSession, enrollment_id: UUID, *, lock: bool = False
) -> Payment | None:
    stmt = _BY_ENROLLMENT_LOCKED if lock else _BY_ENROLLMENT
    return (await session.execute(stmt, {"enrollment_key": enrollment_id})).scalars().first()


async def payment_by_intent(
    session: AsyncSession, intent_id: str, *, lock: bool = False
) -> Payment | None:
    stmt = _BY_INTENT_LOCKED if lock else _BY_INTENT
    return (await session.execute(stmt, {"intent_key": intent_id})).scalars().first()


async def refunds_of(session: AsyncSession, payment_id: UUID) -> list[Refund]:
    stmt = select(Refund).where(Refund.payment_id == payment_id).order_by(col(Refund.created_at))
    return list((await session.execute(stmt)).scalars().all())


async def reserved_refunds(session: AsyncSession, payment_id: UUID) -> int:
    """Refunded or being refunded right now (the payment row must be locked)."""
    total = await session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Refund.amount), 0)).where(
            col(Refund.payment_id) == payment_id,
            col(Refund.status).in_(RESERVING_REFUND_STATES),
        )
    )
    return int(total or 0)


async def refund_by_id(
    session: AsyncSession, refund_id: UUID, *, lock: bool = False
) -> Refund | None:
    stmt = select(Refund).where(Refund.id == refund_id)
    if lock:
        stmt = _locked(stmt)
    return (await session.execute(stmt)).scalars().first()


async def refund_by_stripe_id(
    session: AsyncSession, stripe_refund_id: str, *, lock: bool = False
) -> Refund | None:
    stmt = select(Refund).where(Refund.stripe_refund_id == stripe_refund_id)
    if lock:
        stmt = _locked(stmt)
    return (await session.execute(stmt)).scalars().first()


async def claim_stale_pending(
    session: AsyncSession, older_than: datetime, limit: int, now: datetime
) -> list[tuple[UUID, str]]:
    """Pending payments to reconcile, as (payment id, intent id): their ``updated_at``
    is moved to ``now``, so another replica's sweep leaves them alone for a period and
    the claim holds no lock while Stripe is asked (SKIP LOCKED: rows being changed
    right now are someone else's)."""
    p = payments_table
    stale = (
        sa.select(p.c.id)
        .where(
            p.c.status == PaymentStatus.PENDING.value,
            p.c.stripe_payment_intent_id.is_not(None),
            p.c.updated_at < older_than,
        )
        .order_by(p.c.updated_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claimed = await session.execute(
        sa.update(p)
        .where(p.c.id.in_(stale))
        .values(updated_at=now)
        .returning(p.c.id, p.c.stripe_payment_intent_id)
    )
    return [(row.id, row.stripe_payment_intent_id) for row in claimed]


@dataclass(frozen=True, slots=True)
class EarningsRow:
    provider_id: UUID
    offering_id: UUID
    period: str
    currency: str
    payments: int
    gross: int
    platform_fee: int
    provider_share: int
    refunded: int
    platform_fee_refunded: int
    provider_share_refunded: int


def _month(column: sa.ColumnElement[datetime]) -> sa.ColumnElement[str]:
    return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM")


async def earnings(
    session: AsyncSession,
    provider_id: UUID | None,
    period_from: str | None,
    period_to: str | None,
) -> list[EarningsRow]:
    """Per provider, offering, month and currency: sales in the month they succeeded,
    refunds in the month they were made (so a closed month's figures never change)."""
    p = payments_table
    r = refunds_table
    sale_month = _month(p.c.succeeded_at)
    sales = sa.select(
        p.c.provider_id,
        p.c.offering_id,
        sale_month.label("period"),
        p.c.currency,
        sa.func.count().label("payments"),
        sa.func.sum(p.c.amount).label("gross"),
        sa.func.sum(p.c.platform_fee).label("platform_fee"),
        sa.func.sum(p.c.provider_share).label("provider_share"),
    ).where(p.c.status == PaymentStatus.SUCCEEDED.value)
    refund_month = _month(r.c.refunded_at)
    refunds = (
        sa.select(
            p.c.provider_id,
            p.c.offering_id,
            refund_month.label("period"),
            p.c.currency,
            sa.func.sum(r.c.amount).label("refunded"),
            sa.func.sum(r.c.platform_fee_refunded).label("platform_fee_refunded"),
            sa.func.sum(r.c.provider_share_refunded).label("provider_share_refunded"),
        )
        .select_from(r.join(p, p.c.id == r.c.payment_id))
        .where(r.c.status == RefundStatus.SUCCEEDED.value)
    )
    if provider_id is not None:
        sales = sales.where(p.c.provider_id == provider_id)
        refunds = refunds.where(p.c.provider_id == provider_id)
    if period_from is not None:
        sales = sales.where(sale_month >= period_from)
        refunds = refunds.where(refund_month >= period_from)
    if period_to is not None:
        sales = sales.where(sale_month <= period_to)
        refunds = refunds.where(refund_month <= period_to)
    group: tuple[sa.ColumnElement[object], ...] = (
        p.c.provider_id,
        p.c.offering_id,
        sa.literal_column("period"),
        p.c.currency,
    )
    sales = sales.group_by(*group)
    refunds = refunds.group_by(*group)

    merged: dict[tuple[UUID, UUID, str, str], dict[str, int]] = {}
    for row in (await session.execute(sales)).mappings():
        key = (row["provider_id"], row["offering_id"], row["period"], row["currency"])
        merged.setdefault(key, {}).update(
            payments=int(row["payments"]),
            gross=int(row["gross"]),
            platform_fee=int(row["platform_fee"]),
            provider_share=int(row["provider_share"]),
        )
    for row in (await session.execute(refunds)).mappings():
        key = (row["provider_id"], row["offering_id"], row["period"], row["currency"])
        merged.setdefault(key, {}).update(
            refunded=int(row["refunded"]),
            platform_fee_refunded=int(row["platform_fee_refunded"]),
            provider_share_refunded=int(row["provider_share_refunded"]),
        )
    out = [
        EarningsRow(
            provider_id=k[0],
            offering_id=k[1],
            period=k[2],
            currency=k[3],
            payments=v.get("payments", 0),
            gross=v.get("gross", 0),
            platform_fee=v.get("platform_fee", 0),
            provider_share=v.get("provider_share", 0),
            refunded=v.get("refunded", 0),
            platform_fee_refunded=v.get("platform_fee_refunded", 0),
            provider_share_refunded=v.get("provider_share_refunded", 0),
        )
        for k, v in merged.items()
    ]
    out.sort(key=lambda e: (e.period, str(e.provider_id), str(e.offering_id), e.currency))
    return out
