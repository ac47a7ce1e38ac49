"""The two writes every purchase makes before the learner pays: the ``creating`` row
claimed, then the intent recorded on it.

Each is one prepared statement passed to the driver as it is (no ORM load, no flush,
no statement building), through the session's connection so that it runs in the
session's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from payments.domain.status import PaymentStatus

# The provider's Connect account is read inside the insert: one round trip, not two.
_CLAIM_CREATING = """
INSERT INTO payments (
    id, enrollment_id, learner_id, offering_id, provider_id, amount, currency, status,
    provider_account, platform_fee, provider_share, amount_refunded, attempts_failed,
    payment_deadline, created_at, updated_at
)
VALUES (
    $1, $2, $3, $4, $5, $6, $7, $8,
    (SELECT stripe_account_id FROM provider_accounts WHERE provider_id = $5),
    $9, $10, 0, 0, $11, $12, $12
)
ON CONFLICT (enrollment_id) DO NOTHING
RETURNING provider_account
"""

# The row must still be ``creating`` without an intent: the same condition the
# recording checked after SELECT ... FOR UPDATE, now checked by the UPDATE itself
# (PostgreSQL re-evaluates it once it holds the row's lock).
_RECORD_INTENT = """
UPDATE payments
SET stripe_payment_intent_id = $2, client_secret = $3, status = $4,
    initiated_at = $5, updated_at = $5
WHERE enrollment_id = $1 AND status = $6 AND stripe_payment_intent_id IS NULL
RETURNING id, amount, currency
"""


@dataclass(frozen=True, slots=True)
class NewPayment:
    id: UUID
    enrollment_id: UUID
    learner_id: UUID
    offering_id: UUID
    provider_id: UUID
    amount: int
    currency: str
    platform_fee: int
    provider_share: int
    payment_deadline: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Claimed:
    """The ``creating`` row this call inserted, with the account found for it."""

    provider_account: str | None


async def claim_creating(engine: AsyncEngine, new: NewPayment) -> Claimed | None:
    """Insert and commit the ``creating`` row; None when the enrollment already has a
    payment. One statement is atomic alone: it runs outside a transaction (autocommit),
    one round trip where BEGIN, INSERT and COMMIT took three."""
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        result: sa.Result[*tuple[Any, ...]] = await autocommit.exec_driver_sql(
            _CLAIM_CREATING,
            (
                new.id,
                new.enrollment_id,
                new.learner_id,
                new.offering_id,
                new.provider_id,
                new.amount,
                new.currency,
                PaymentStatus.CREATING.value,
                new.platform_fee,
                new.provider_share,
                new.payment_deadline,
                new.created_at,
            ),
        )
        row = result.first()
    return None if row is None else Claimed(provider_account=row[0])


@dataclass(frozen=True, slots=True)
class Initiated:
    """A payment that has just become ``pending``: what its initiated event tells."""

    id: UUID
    enrollment_id: UUID
    stripe_payment_intent_id: str
    client_secret: str
    amount: int
    currency: str


async def record_intent(
    session: AsyncSession, enrollment_id: UUID, intent_id: str, client_secret: str, now: datetime
) -> Initiated | None:
    """The intent stored on the ``creating`` row, which becomes ``pending``; None when the
    row was recorded before (another replica, a redelivery)."""
    connection = await session.connection()
    result: sa.Result[*tuple[Any, ...]] = await connection.exec_driver_sql(
        _RECORD_INTENT,
        (
            enrollment_id,
            intent_id,
            client_secret,
            PaymentStatus.PENDING.value,
            now,
            PaymentStatus.CREATING.value,
        ),
    )
    row = result.first()
    if row is None:
        return None
    return Initiated(
        id=row[0],
        enrollment_id=enrollment_id,
        stripe_payment_intent_id=intent_id,
        client_secret=client_secret,
        amount=row[1],
        currency=row[2],
    )
