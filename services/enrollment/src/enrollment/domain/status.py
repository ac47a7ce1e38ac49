"""The statuses an enrollment moves through."""

from __future__ import annotations

from enum import StrEnum


class EnrollmentStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REVOKED = "revoked"


# A learner holds at most one enrollment per offering in these statuses. Completed
# counts: buying a course again after earning its credential is almost always a
# mistake, and the learner can see the credential on the existing enrollment.
LIVE_STATUSES: frozenset[EnrollmentStatus] = frozenset(
    {EnrollmentStatus.PENDING_PAYMENT, EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED}
)

TERMINAL_STATUSES: frozenset[EnrollmentStatus] = frozenset(
    {EnrollmentStatus.CANCELLED, EnrollmentStatus.REVOKED}
)


class RefundReason(StrEnum):
    """Mirrors the event library's RefundReason by value."""

    ENROLLMENT_CANCELLED_BEFORE_PAYMENT = "enrollment_cancelled_before_payment"
    DUPLICATE_PAYMENT = "duplicate_payment"


class CancelReason(StrEnum):
    """Mirrors the event library's CancellationReason by value."""

    LEARNER_CANCELLED = "learner_cancelled"
    PAYMENT_DEADLINE_PASSED = "payment_deadline_passed"
    OPS_CANCELLED = "ops_cancelled"
