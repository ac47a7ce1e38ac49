"""What the domain's facts are on the wire: the enrollment events of credmarket_events."""

from __future__ import annotations

from typing import Any

from credmarket_events.achievement import AchievementSnapshot
from credmarket_events.base import EventData
from credmarket_events.enrollment import (
    CancellationReason,
    CompletionResult,
    EnrollmentActivatedV1,
    EnrollmentCancelledV1,
    EnrollmentCompletedV1,
    EnrollmentRequestedV1,
    EnrollmentRevokedV1,
    RefundReason,
    RefundRequestedV1,
)
from credmarket_events.values import Money

from enrollment.domain.enrollment import Enrollment
from enrollment.domain.facts import (
    Activated,
    Cancelled,
    Completed,
    Fact,
    RefundNeeded,
    Requested,
    Revoked,
)


class MissingAchievement(RuntimeError):
    """The read model lacks the version an enrollment was bought at (a bug, never input)."""


def event_for(e: Enrollment, fact: Fact, achievement: dict[str, Any] | None) -> EventData:
    """The event a fact publishes."""
    match fact:
        case Requested():
            assert e.payment_deadline is not None
            return EnrollmentRequestedV1(
                enrollment_id=e.id,
                learner_id=e.learner_id,
                learner_email=e.learner_email,
                offering_id=e.offering_id,
                offering_version=e.offering_version,
                provider_id=e.provider_id,
                quoted_price=Money(amount=e.price.amount, currency=e.price.currency),
                requested_at=e.created_at,
                payment_deadline=e.payment_deadline,
            )
        case Activated(via=via, at=at, payment_id=payment_id):
            return EnrollmentActivatedV1(
                enrollment_id=e.id,
                learner_id=e.learner_id,
                offering_id=e.offering_id,
                provider_id=e.provider_id,
                activated_at=at,
                via="free" if via == "free" else "payment",
                payment_id=payment_id,
            )
        case Cancelled(reason=reason, at=at):
            return EnrollmentCancelledV1(
                enrollment_id=e.id,
                reason=CancellationReason(reason.value),
                cancelled_at=at,
                payment_id=e.payment_id,
            )
        case Completed(at=at):
            if achievement is None or e.result is None:
                raise MissingAchievement(
                    f"offering {e.offering_id} v{e.offering_version} is not in the read model"
                )
            return EnrollmentCompletedV1(
                enrollment_id=e.id,
                learner_id=e.learner_id,
                learner_email=e.learner_email,
                learner_name=e.learner_name,
                offering_id=e.offering_id,
                offering_version=e.offering_version,
                provider_id=e.provider_id,
                achievement=AchievementSnapshot.model_validate(achievement),
                result=CompletionResult(
                    passed=e.result.passed,
                    score=e.result.score,
                    evidence_url=e.result.evidence_url,
                    evidence_narrative=e.result.evidence_narrative,
                ),
                completed_at=at,
            )
        case Revoked(reason=reason, at=at, payment_id=payment_id):
            return EnrollmentRevokedV1(
                enrollment_id=e.id,
                learner_id=e.learner_id,
                reason=reason,
                revoked_at=at,
                payment_id=payment_id,
            )
        case RefundNeeded(payment_id=payment_id, reason=reason, at=at):
            # The price is what this enrollment cost; payments refunds what is left of
            # the payment, never more than this.
            return RefundRequestedV1(
                enrollment_id=e.id,
                payment_id=payment_id,
                amount=Money(amount=e.price.amount, currency=e.price.currency),
                reason=RefundReason(reason.value),
                requested_at=at,
            )
