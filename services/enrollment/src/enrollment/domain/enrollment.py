"""The enrollment aggregate: an immutable snapshot the lifecycle functions replace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from enrollment.domain.status import CancelReason, EnrollmentStatus
from enrollment.domain.values import CompletionReport, CredentialLink, PaymentError, Price


@dataclass(frozen=True, slots=True)
class Enrollment:
    id: UUID
    learner_id: UUID
    learner_email: str
    learner_name: str | None
    offering_id: UUID
    offering_version: int
    provider_id: UUID
    price: Price
    status: EnrollmentStatus
    created_at: datetime
    payment_deadline: datetime | None = None
    activated_at: datetime | None = None
    activated_via: str | None = None
    cancelled_at: datetime | None = None
    cancel_reason: CancelReason | None = None
    completed_at: datetime | None = None
    revoked_at: datetime | None = None
    revoke_reason: str | None = None
    payment_id: UUID | None = None
    stripe_payment_intent_id: str | None = None
    client_secret: str | None = None
    last_payment_error: PaymentError | None = None
    # A payment we must give back: it succeeded after the enrollment was cancelled,
    # or it paid a second time for an enrollment already paid.
    refund_due_payment_id: UUID | None = None
    result: CompletionReport | None = None
    credential: CredentialLink | None = None

    @property
    def needs_refund(self) -> bool:
        return self.refund_due_payment_id is not None
