"""The enrollment service's own tables, on its own registry and MetaData."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from enrollment.domain.status import LIVE_STATUSES, EnrollmentStatus

enrollment_registry = registry(metadata=sa.MetaData())
enrollment_metadata = enrollment_registry.metadata


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _in(values: list[str]) -> str:
    return ", ".join(f"'{v}'" for v in sorted(values))


_STATUSES = _in([s.value for s in EnrollmentStatus])
_LIVE = _in([s.value for s in LIVE_STATUSES])


class EnrollmentModel(SQLModel, registry=enrollment_registry):
    """Base of this service's tables: keeps them out of SQLModel's shared default MetaData."""


class Offering(EnrollmentModel, table=True):
    """Read model head: which version of an offering is current and whether it sells."""

    __tablename__ = "offerings"

    offering_id: UUID = Field(primary_key=True)
    provider_id: UUID = Field(index=True)
    current_version: int
    status: str = Field(max_length=20)
    changed_at: datetime = Field(sa_type=_utc())


class OfferingVersion(EnrollmentModel, table=True):
    """Every version catalog published: a learner pays, and is credentialed for, the
    version they bought, even after the provider changed the offering."""

    __tablename__ = "offering_versions"
    __table_args__ = (
        sa.CheckConstraint("price_amount >= 0", name="ck_offering_versions_price_nonnegative"),
    )

    offering_id: UUID = Field(primary_key=True)
    version: int = Field(primary_key=True)
    provider_id: UUID
    title: str = Field(max_length=200)
    price_amount: int = Field(sa_type=sa.BigInteger)
    price_currency: str = Field(max_length=3)
    # The AchievementSnapshot as catalog sent it, copied into the completion event.
    achievement: dict[str, Any] = Field(sa_type=JSONB)
    received_at: datetime = Field(sa_type=_utc())


class Enrollment(EnrollmentModel, table=True):
    __tablename__ = "enrollments"
    __table_args__ = (
        # One live enrollment per learner and offering; the database has the last word
        # when two purchases race.
        sa.Index(
            "uq_enrollments_live_per_learner_offering",
            "learner_id",
            "offering_id",
            unique=True,
            postgresql_where=sa.text(f"status IN ({_LIVE})"),
        ),
        # The deadline sweep reads only pending rows, oldest deadline first.
        sa.Index(
            "ix_enrollments_pending_deadline",
            "payment_deadline",
            postgresql_where=sa.text("status = 'pending_payment'"),
        ),
        sa.Index("ix_enrollments_learner_created", "learner_id", "created_at"),
        sa.Index("ix_enrollments_provider_created", "provider_id", "created_at"),
        sa.CheckConstraint(f"status IN ({_STATUSES})", name="ck_enrollments_status"),
        sa.CheckConstraint("price_amount >= 0", name="ck_enrollments_price_nonnegative"),
        sa.CheckConstraint(
            "result_score IS NULL OR (result_score >= 0 AND result_score <= 100)",
            name="ck_enrollments_score_range",
        ),
    )

    id: UUID = Field(primary_key=True)
    learner_id: UUID
    learner_email: str = Field(max_length=320)
    learner_name: str | None = Field(default=None, max_length=200)
    offering_id: UUID = Field(index=True)
    offering_version: int
    provider_id: UUID
    price_amount: int = Field(sa_type=sa.BigInteger)
    price_currency: str = Field(max_length=3)
    status: str = Field(max_length=20)
    created_at: datetime = Field(sa_type=_utc())
    updated_at: datetime = Field(sa_type=_utc())
    payment_deadline: datetime | None = Field(default=None, sa_type=_utc())
    activated_at: datetime | None = Field(default=None, sa_type=_utc())
    activated_via: str | None = Field(default=None, max_length=20)
    cancelled_at: datetime | None = Field(default=None, sa_type=_utc())
    cancel_reason: str | None = Field(default=None, max_length=40)
    completed_at: datetime | None = Field(default=None, sa_type=_utc())
    revoked_at: datetime | None = Field(default=None, sa_type=_utc())
    revoke_reason: str | None = Field(default=None, max_length=500)
    payment_id: UUID | None = Field(default=None, index=True)
    stripe_payment_intent_id: str | None = Field(default=None, max_length=255)
    # Shown only to the learner who pays; never logged.
    client_secret: str | None = Field(default=None, max_length=500)
    last_payment_error_reason: str | None = Field(default=None, max_length=1000)
    last_payment_error_code: str | None = Field(default=None, max_length=100)
    last_payment_failed_at: datetime | None = Field(default=None, sa_type=_utc())
    refund_due_payment_id: UUID | None = Field(default=None)
    result_passed: bool | None = Field(default=None)
    result_score: float | None = Field(default=None)
    result_evidence_url: str | None = Field(default=None, max_length=2048)
    result_evidence_narrative: str | None = Field(default=None, max_length=5000)
    result_reported_at: datetime | None = Field(default=None, sa_type=_utc())
    credential_id: UUID | None = Field(default=None)
    credential_url: str | None = Field(default=None, max_length=2048)
    credential_issued_at: datetime | None = Field(default=None, sa_type=_utc())
    credential_revoked_at: datetime | None = Field(default=None, sa_type=_utc())


class EnrollmentUpdate(EnrollmentModel, table=True):
    """One change of an enrollment as its learner's live status stream sends it (ADR 0026),
    written in the transaction that made the change; the id, increasing, is the stream's
    event id, so a reconnecting client resumes after the last one it saw."""

    __tablename__ = "enrollment_updates"
    __table_args__ = (sa.Index("ix_enrollment_updates_enrollment_id_id", "enrollment_id", "id"),)

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    enrollment_id: UUID
    kind: str = Field(max_length=40)
    data: dict[str, Any] = Field(sa_type=JSONB)
    created_at: datetime = Field(sa_type=_utc())
