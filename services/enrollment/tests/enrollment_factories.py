"""Domain objects for unit tests (imported by the unit test modules)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from enrollment.domain.enrollment import Enrollment
from enrollment.domain.status import EnrollmentStatus
from enrollment.domain.values import Price

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def pending(**changes: Any) -> Enrollment:
    e = Enrollment(
        id=uuid4(),
        learner_id=uuid4(),
        learner_email="ada@example.org",
        learner_name="Ada",
        offering_id=uuid4(),
        offering_version=1,
        provider_id=uuid4(),
        price=Price(4900, "EUR"),
        status=EnrollmentStatus.PENDING_PAYMENT,
        created_at=T0,
        payment_deadline=at(30),
    )
    return replace(e, **changes)


def in_status(status: EnrollmentStatus, payment_id: UUID | None = None) -> Enrollment:
    """An enrollment that reached ``status`` the usual way."""
    pid = payment_id or uuid4()
    e = pending()
    if status is EnrollmentStatus.PENDING_PAYMENT:
        return e
    if status is EnrollmentStatus.CANCELLED:
        return replace(e, status=status, cancelled_at=at(5))
    e = replace(
        e,
        status=EnrollmentStatus.ACTIVE,
        activated_at=at(2),
        activated_via="payment",
        payment_id=pid,
    )
    if status is EnrollmentStatus.ACTIVE:
        return e
    if status is EnrollmentStatus.COMPLETED:
        return replace(e, status=status, completed_at=at(60))
    return replace(e, status=EnrollmentStatus.REVOKED, revoked_at=at(70), revoke_reason="refunded")
