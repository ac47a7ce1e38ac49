"""The payments service's own tables, on its own registry and MetaData."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

payments_registry = registry(metadata=sa.MetaData())
payments_metadata = payments_registry.metadata


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


class PaymentsModel(SQLModel, registry=payments_registry):
    """Base of this service's tables: keeps them out of SQLModel's shared default MetaData."""


class Payment(PaymentsModel, table=True):
    """One enrollment's payment: at most one per enrollment, and one PaymentIntent."""

    __tablename__ = "payments"
    __table_args__ = (
        sa.Index("ix_payments_status_updated", "status", "updated_at"),
        sa.CheckConstraint("amount > 0", name="ck_payments_amount_positive"),
        sa.CheckConstraint(
            "amount_refunded >= 0 AND amount_refunded <= amount", name="ck_payments_refunded_range"
        ),
    )

    id: UUID = Field(primary_key=True)
    # Unique: the guarantee of one PaymentIntent per enrollment starts here.
    enrollment_id: UUID = Field(unique=True)
    learner_id: UUID
    offering_id: UUID
    provider_id: UUID = Field(index=True)
    amount: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    status: str = Field(max_length=20)
    stripe_payment_intent_id: str | None = Field(default=None, max_length=255, unique=True)
    # Kept so a redelivered request can re-announce the intent; never logged or served.
    client_secret: str | None = Field(default=None, max_length=500)
    provider_account: str | None = Field(default=None, max_length=255)
    platform_fee: int = Field(sa_type=sa.BigInteger)
    provider_share: int = Field(sa_type=sa.BigInteger)
    amount_refunded: int = Field(default=0, sa_type=sa.BigInteger)
    last_failure_reason: str | None = Field(default=None, max_length=1000)
    last_decline_code: str | None = Field(default=None, max_length=100)
    attempts_failed: int = Field(default=0)
    payment_deadline: datetime | None = Field(default=None, sa_type=_utc())
    created_at: datetime = Field(sa_type=_utc())
    updated_at: datetime = Field(sa_type=_utc())
    initiated_at: datetime | None = Field(default=None, sa_type=_utc())
    succeeded_at: datetime | None = Field(default=None, sa_type=_utc())
    cancelled_at: datetime | None = Field(default=None, sa_type=_utc())


class Refund(PaymentsModel, table=True):
    """A refund of (part of) a payment, made here or seen from Stripe.

    ``requesting`` and ``pending`` rows reserve their amount against the payment before
    Stripe is called (and while Stripe is paying it back), so concurrent requests
    cannot over-refund (payments.domain.refund_status).
    """

    __tablename__ = "refunds"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="ck_refunds_amount_positive"),)

    id: UUID = Field(primary_key=True)
    payment_id: UUID = Field(foreign_key="payments.id", index=True)
    # Unique: the refunded event is emitted once per Stripe refund, whichever path saw it.
    stripe_refund_id: str | None = Field(default=None, max_length=255, unique=True)
    amount: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    status: str = Field(max_length=20)
    platform_fee_refunded: int = Field(default=0, sa_type=sa.BigInteger)
    provider_share_refunded: int = Field(default=0, sa_type=sa.BigInteger)
    # api (ops or provider), stripe (made in Stripe directly) or enrollment (automatic,
    # on RefundRequestedV1): with ``reason`` what ops read to know why money went back.
    origin: str = Field(max_length=20)
    requested_by: str | None = Field(default=None, max_length=255)
    reason: str | None = Field(default=None, max_length=500)
    failure_reason: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(sa_type=_utc())
    refunded_at: datetime | None = Field(default=None, sa_type=_utc())
    # API refunds: a digest of the request, so a retry under the same Idempotency-Key
    # (whose refund id is derived from that key) must ask for the same refund.
    request_fingerprint: str | None = Field(default=None, max_length=64)


class StripeEvent(PaymentsModel, table=True):
    """Stripe webhook event ids already handled: inserted in the effect's transaction."""

    __tablename__ = "stripe_events"

    id: str = Field(primary_key=True, max_length=255)
    type: str = Field(max_length=200)
    received_at: datetime = Field(sa_type=_utc())


class ProviderAccount(PaymentsModel, table=True):
    """A provider's Stripe Connect account, set by ops."""

    __tablename__ = "provider_accounts"

    provider_id: UUID = Field(primary_key=True)
    stripe_account_id: str = Field(max_length=255)
    updated_at: datetime = Field(sa_type=_utc())


# Core handles for statements SQLModel's select() does not cover (upserts, aggregates).
payments_table: sa.Table = Payment.__table__  # type: ignore[attr-defined]
refunds_table: sa.Table = Refund.__table__  # type: ignore[attr-defined]
stripe_events_table: sa.Table = StripeEvent.__table__  # type: ignore[attr-defined]
provider_accounts_table: sa.Table = ProviderAccount.__table__  # type: ignore[attr-defined]
