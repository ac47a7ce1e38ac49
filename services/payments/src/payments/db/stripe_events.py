"""Stripe webhook events: each event id claimed once, in the transaction of its effect.

The webhook every purchase gets (``payment_intent.succeeded``) claims its id and
settles the payment in one prepared statement, passed to the driver as it is, through
the session's connection (so inside the session's transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from payments.domain.status import SUCCEEDS_FROM, PaymentStatus

_CLAIM = """
INSERT INTO stripe_events (id, type, received_at) VALUES ($1, $2, $3)
ON CONFLICT (id) DO NOTHING
RETURNING id
"""

# The payment is settled only when the event id is fresh and the row may still succeed
# (the UPDATE locks the row and re-checks its status once it holds the lock, as
# SELECT ... FOR UPDATE and the check after it did). The outer join always yields one
# row: whether the id was fresh, and the settled payment if there is one.
_CLAIM_AND_SUCCEED = """
WITH claimed AS (
    INSERT INTO stripe_events (id, type, received_at) VALUES ($1, $2, $3)
    ON CONFLICT (id) DO NOTHING
    RETURNING id
), settled AS (
    UPDATE payments
    SET status = $5, succeeded_at = $3, updated_at = $3
    WHERE stripe_payment_intent_id = $4 AND status = ANY($6::varchar[])
      AND EXISTS (SELECT FROM claimed)
    RETURNING id, enrollment_id, amount, currency, platform_fee, provider_share
)
SELECT EXISTS (SELECT FROM claimed), settled.*
FROM (VALUES (true)) AS one LEFT JOIN settled ON true
"""

_SUCCEEDS_FROM = sorted(s.value for s in SUCCEEDS_FROM)


async def claim(session: AsyncSession, event_id: str, event_type: str, now: datetime) -> bool:
    """Record a webhook event id; False when it was handled before."""
    connection = await session.connection()
    result: sa.Result[*tuple[Any, ...]] = await connection.exec_driver_sql(
        _CLAIM, (event_id, event_type, now)
    )
    return result.first() is not None


@dataclass(frozen=True, slots=True)
class Succeeded:
    """A payment this event settled: what its succeeded event tells."""

    id: UUID
    enrollment_id: UUID
    stripe_payment_intent_id: str
    amount: int
    currency: str
    platform_fee: int
    provider_share: int


@dataclass(frozen=True, slots=True)
class ClaimedSuccess:
    fresh: bool
    # None: no payment of ours has this intent, or it can no longer succeed.
    settled: Succeeded | None


async def claim_and_succeed(
    session: AsyncSession, event_id: str, event_type: str, intent_id: str, now: datetime
) -> ClaimedSuccess:
    connection = await session.connection()
    result: sa.Result[*tuple[Any, ...]] = await connection.exec_driver_sql(
        _CLAIM_AND_SUCCEED,
        (event_id, event_type, now, intent_id, PaymentStatus.SUCCEEDED.value, _SUCCEEDS_FROM),
    )
    fresh, payment_id, enrollment_id, amount, currency, fee, share = result.one()
    if payment_id is None:
        return ClaimedSuccess(fresh=bool(fresh), settled=None)
    return ClaimedSuccess(
        fresh=bool(fresh),
        settled=Succeeded(
            id=payment_id,
            enrollment_id=enrollment_id,
            stripe_payment_intent_id=intent_id,
            amount=amount,
            currency=currency,
            platform_fee=fee,
            provider_share=share,
        ),
    )
