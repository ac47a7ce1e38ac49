"""The enrollment state machine.

pending_payment -> active -> completed; pending_payment -> cancelled;
active/completed -> revoked (full refund). Every function takes the current
snapshot and an input and returns a Transition; none of them reads a clock.

Inputs from other services may arrive late, twice or out of order, so every
event input is idempotent and never moves an enrollment backwards. See
docs/adr/0011-enrollment-lifecycle.md for each decision.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from enrollment.domain.enrollment import Enrollment
from enrollment.domain.errors import TransitionRefused
from enrollment.domain.facts import (
    Activated,
    Cancelled,
    Completed,
    RefundNeeded,
    Revoked,
    Transition,
)
from enrollment.domain.status import CancelReason, EnrollmentStatus, RefundReason
from enrollment.domain.values import CompletionReport, CredentialLink, PaymentError

S = EnrollmentStatus
REFUNDED = "refunded"


def _same(e: Enrollment) -> Transition:
    return Transition(before=e, after=e)


def payment_initiated(
    e: Enrollment, *, payment_id: UUID, payment_intent_id: str, client_secret: str
) -> Transition:
    """Payments created the PaymentIntent: remember what the frontend needs to pay."""
    if e.status is S.PENDING_PAYMENT:
        return Transition(
            e,
            replace(
                e,
                payment_id=payment_id,
                stripe_payment_intent_id=payment_intent_id,
                client_secret=client_secret,
            ),
        )
    # Initiated arriving after succeeded (or after the end): keep the ids for the
    # record but never regress the status; an existing payment id wins.
    if e.payment_id is not None and e.payment_id != payment_id:
        return _same(e)
    return Transition(
        e,
        replace(
            e,
            payment_id=payment_id,
            stripe_payment_intent_id=e.stripe_payment_intent_id or payment_intent_id,
            client_secret=e.client_secret or client_secret,
        ),
    )


def payment_succeeded(
    e: Enrollment, *, payment_id: UUID, payment_intent_id: str, at: datetime
) -> Transition:
    """The learner paid. Activates a pending enrollment even past its deadline
    (the money is what counts); money for an enrollment that is over is flagged
    for refund instead of reviving it."""
    if e.status is S.PENDING_PAYMENT:
        after = replace(
            e,
            status=S.ACTIVE,
            activated_at=at,
            activated_via="payment",
            payment_id=payment_id,
            stripe_payment_intent_id=e.stripe_payment_intent_id or payment_intent_id,
            last_payment_error=None,
        )
        return Transition(e, after, (Activated(via="payment", at=at, payment_id=payment_id),))
    if payment_id == e.refund_due_payment_id:
        return _same(e)  # duplicate of a success already flagged
    if payment_id == e.payment_id and e.status is not S.CANCELLED:
        # A duplicate of the activating success, or (revoked) the success of a
        # payment whose refund overtook it.
        return _same(e)
    if e.status is S.CANCELLED:
        return _flag_refund(e, payment_id, RefundReason.ENROLLMENT_CANCELLED_BEFORE_PAYMENT, at)
    return _flag_refund(e, payment_id, RefundReason.DUPLICATE_PAYMENT, at)


def _flag_refund(e: Enrollment, payment_id: UUID, reason: RefundReason, at: datetime) -> Transition:
    after = replace(e, refund_due_payment_id=payment_id)
    if e.payment_id is None:
        after = replace(after, payment_id=payment_id)
    return Transition(e, after, (RefundNeeded(payment_id=payment_id, reason=reason, at=at),))


def payment_failed(
    e: Enrollment, *, reason: str, decline_code: str | None, at: datetime
) -> Transition:
    """An attempt failed: stay payable and show why. Ignored once no longer payable,
    so a late failure of an earlier card never shows on a paid enrollment."""
    if e.status is not S.PENDING_PAYMENT:
        return _same(e)
    previous = e.last_payment_error
    if previous is not None and previous.failed_at > at:
        return _same(e)  # an older failure arriving late
    error = PaymentError(reason=reason, decline_code=decline_code, failed_at=at)
    return Transition(e, replace(e, last_payment_error=error))


def payment_refunded(e: Enrollment, *, payment_id: UUID, full: bool, at: datetime) -> Transition:
    """A full refund takes the enrollment back; a partial one changes nothing."""
    if e.refund_due_payment_id == payment_id:
        # The refund we asked for (or one ops made first): settled once nothing is left.
        if full:
            return Transition(e, replace(e, refund_due_payment_id=None))
        return _same(e)
    if not full:
        return _same(e)
    if e.payment_id is not None and e.payment_id != payment_id:
        return _same(e)  # not the payment this enrollment rests on
    if e.status in (S.ACTIVE, S.COMPLETED, S.PENDING_PAYMENT):
        # Pending: the refund overtook the success event; the learner has their
        # money back, so the enrollment ends here and the late success is a no-op.
        after = replace(
            e, status=S.REVOKED, revoked_at=at, revoke_reason=REFUNDED, payment_id=payment_id
        )
        return Transition(e, after, (Revoked(reason=REFUNDED, at=at, payment_id=payment_id),))
    return _same(e)  # cancelled or already revoked


def cancel(
    e: Enrollment, *, at: datetime, reason: CancelReason = CancelReason.LEARNER_CANCELLED
) -> Transition:
    """The learner gives up before paying, or ops ends it for them. Repeating it is
    harmless."""
    if e.status is S.PENDING_PAYMENT:
        after = replace(e, status=S.CANCELLED, cancelled_at=at, cancel_reason=reason)
        return Transition(e, after, (Cancelled(reason, at),))
    if e.status is S.CANCELLED:
        return _same(e)
    raise TransitionRefused("cancel", e.status)


def is_overdue(e: Enrollment, now: datetime) -> bool:
    return (
        e.status is S.PENDING_PAYMENT
        and e.payment_deadline is not None
        and e.payment_deadline <= now
    )


def expire(e: Enrollment, *, now: datetime) -> Transition:
    """The payment deadline passed without a payment."""
    if not is_overdue(e, now):
        return _same(e)
    after = replace(
        e, status=S.CANCELLED, cancelled_at=now, cancel_reason=CancelReason.PAYMENT_DEADLINE_PASSED
    )
    return Transition(e, after, (Cancelled(CancelReason.PAYMENT_DEADLINE_PASSED, now),))


def complete(e: Enrollment, report: CompletionReport) -> Transition:
    """The provider reports a result. A pass completes; a fail is recorded and the
    enrollment stays active, so the learner may retake the assessment."""
    if e.status is not S.ACTIVE:
        raise TransitionRefused("complete", e.status)
    if not report.passed:
        return Transition(e, replace(e, result=report))
    after = replace(e, status=S.COMPLETED, completed_at=report.reported_at, result=report)
    return Transition(e, after, (Completed(at=report.reported_at),))


def credential_issued(
    e: Enrollment, *, credential_id: UUID, public_url: str, at: datetime
) -> Transition:
    """Link the credential so the learner finds it; a revocation seen first is kept."""
    current = e.credential
    if current is not None and current.credential_id != credential_id:
        return _same(e)  # one credential per enrollment: the first one linked stays
    revoked_at = current.revoked_at if current is not None else None
    link = CredentialLink(
        credential_id=credential_id, public_url=public_url, issued_at=at, revoked_at=revoked_at
    )
    return Transition(e, replace(e, credential=link))


def credential_revoked(e: Enrollment, *, credential_id: UUID, at: datetime) -> Transition:
    current = e.credential
    if current is None:
        # Revoked overtook issued: remember it, the issued event fills in the rest.
        link = CredentialLink(
            credential_id=credential_id, public_url=None, issued_at=None, revoked_at=at
        )
        return Transition(e, replace(e, credential=link))
    if current.credential_id != credential_id or current.revoked_at is not None:
        return _same(e)
    return Transition(e, replace(e, credential=replace(current, revoked_at=at)))
