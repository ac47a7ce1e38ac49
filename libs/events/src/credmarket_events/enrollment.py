"""Events emitted by the enrollment service."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from credmarket_events.achievement import AchievementSnapshot
from credmarket_events.base import EventData
from credmarket_events.registry import register
from credmarket_events.topics import ENROLLMENTS
from credmarket_events.values import Email, HttpUrl, Money, UtcDateTime


class EnrollmentRequestedV1(EventData):
    """Enrollment emits this when a learner buys a priced offering.

    Payments creates a Stripe PaymentIntent for ``quoted_price``. Free
    offerings never emit it: they go straight to EnrollmentActivatedV1.
    """

    event_type: ClassVar[str] = "credmarket.enrollment.enrollment.requested.v1"
    key_field: ClassVar[str] = "enrollment_id"

    enrollment_id: UUID
    learner_id: UUID
    learner_email: Email
    offering_id: UUID
    offering_version: int = Field(ge=1)
    provider_id: UUID
    quoted_price: Money = Field(
        description="The price of offering_version when the learner bought."
    )
    requested_at: UtcDateTime
    payment_deadline: UtcDateTime = Field(
        description="Unpaid by then, the enrollment is cancelled with its PaymentIntent."
    )


class EnrollmentActivatedV1(EventData):
    """Enrollment emits this when a learner gains access to an offering.

    After PaymentSucceededV1 (``via`` = payment) or at once for a free
    offering (``via`` = free). Catalog delivers it to the provider's webhook
    endpoints (ADR 0023), so that the provider grants access in its own LMS.
    """

    event_type: ClassVar[str] = "credmarket.enrollment.enrollment.activated.v1"
    key_field: ClassVar[str] = "enrollment_id"

    enrollment_id: UUID
    learner_id: UUID
    offering_id: UUID
    provider_id: UUID
    activated_at: UtcDateTime
    via: Literal["payment", "free"]
    payment_id: UUID | None = None


class CancellationReason(StrEnum):
    """Why an enrollment that was never activated ended."""

    LEARNER_CANCELLED = "learner_cancelled"
    PAYMENT_DEADLINE_PASSED = "payment_deadline_passed"
    OFFERING_RETIRED = "offering_retired"
    OPS_CANCELLED = "ops_cancelled"


class EnrollmentCancelledV1(EventData):
    """Enrollment emits this when an enrollment that was never activated ends.

    The learner cancelled, or the payment deadline passed. Payments cancels
    the enrollment's PaymentIntent, if any.
    """

    event_type: ClassVar[str] = "credmarket.enrollment.enrollment.cancelled.v1"
    key_field: ClassVar[str] = "enrollment_id"

    enrollment_id: UUID
    reason: CancellationReason
    cancelled_at: UtcDateTime
    payment_id: UUID | None = None


class CompletionResult(BaseModel):
    """How the learner did, as the provider reported it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    passed: bool
    score: float | None = Field(default=None, ge=0, le=100, description="Percent, 0-100.")
    evidence_url: HttpUrl | None = None
    evidence_narrative: str | None = Field(default=None, max_length=5000)


class EnrollmentCompletedV1(EventData):
    """Enrollment emits this when the provider reports a learner's completion.

    Issuance issues an Open Badges credential when ``result.passed``, built
    from the achievement of the version the learner bought.
    """

    event_type: ClassVar[str] = "credmarket.enrollment.enrollment.completed.v1"
    key_field: ClassVar[str] = "enrollment_id"

    enrollment_id: UUID
    learner_id: UUID
    learner_email: Email
    learner_name: str | None = Field(default=None, max_length=200)
    offering_id: UUID
    offering_version: int = Field(ge=1)
    provider_id: UUID
    achievement: AchievementSnapshot
    result: CompletionResult
    completed_at: UtcDateTime


class EnrollmentRevokedV1(EventData):
    """Enrollment emits this when an active enrollment is taken back.

    Typically after a full refund (PaymentRefundedV1). Issuance revokes the
    credential issued for it, if any.
    """

    event_type: ClassVar[str] = "credmarket.enrollment.enrollment.revoked.v1"
    key_field: ClassVar[str] = "enrollment_id"

    enrollment_id: UUID
    learner_id: UUID
    reason: str = Field(min_length=1, max_length=500, description="e.g. refunded")
    revoked_at: UtcDateTime
    payment_id: UUID | None = None


class RefundReason(StrEnum):
    """Why enrollment asks for a payment to be given back."""

    ENROLLMENT_CANCELLED_BEFORE_PAYMENT = "enrollment_cancelled_before_payment"
    DUPLICATE_PAYMENT = "duplicate_payment"


class RefundRequestedV1(EventData):
    """Enrollment emits this when money arrived that the marketplace must give back.

    A payment succeeded after its enrollment was cancelled (by the learner or the
    payment deadline), or paid a second time for an enrollment already paid.
    Payments refunds what is left of the payment, at most ``amount``, once per
    payment however often it is asked, and reports it with PaymentRefundedV1.
    """

    event_type: ClassVar[str] = "credmarket.enrollment.refund.requested.v1"
    key_field: ClassVar[str] = "enrollment_id"

    enrollment_id: UUID
    payment_id: UUID
    amount: Money = Field(description="What the enrollment cost: the most to give back.")
    reason: RefundReason
    requested_at: UtcDateTime


register(
    EnrollmentRequestedV1, ENROLLMENTS, producer="enrollment", consumers=("payments", "catalog")
)
register(EnrollmentActivatedV1, ENROLLMENTS, producer="enrollment", consumers=("catalog",))
register(
    EnrollmentCancelledV1, ENROLLMENTS, producer="enrollment", consumers=("payments", "catalog")
)
register(
    EnrollmentCompletedV1, ENROLLMENTS, producer="enrollment", consumers=("issuance", "catalog")
)
register(EnrollmentRevokedV1, ENROLLMENTS, producer="enrollment", consumers=("issuance", "catalog"))
register(RefundRequestedV1, ENROLLMENTS, producer="enrollment", consumers=("payments",))
