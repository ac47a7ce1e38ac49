"""State changes that Stripe's answers cause, whichever path brought them.

The webhook, the reconciliation sweep, the cancellation handler and the refund API
all end here, so an outcome has one meaning and one event however it was learned.
Each function expects the payment row locked (SELECT ... FOR UPDATE) in the caller's
transaction and emits through ``emit`` into that transaction's outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID, uuid4

from credmarket_events.base import EventData
from credmarket_events.payments import (
    PaymentCancelledV1,
    PaymentFailedV1,
    PaymentInitiatedV1,
    PaymentRefundedV1,
    PaymentSucceededV1,
)
from credmarket_events.values import Money

from payments.db.intents import Initiated
from payments.db.tables import Payment, Refund
from payments.domain.fee_split import split_refund
from payments.domain.refund_status import NOT_PAID_BACK, OPEN, RefundStatus
from payments.domain.status import PaymentStatus, can_transition
from payments.metrics import REFUNDS_NOT_PAID_BACK

log = logging.getLogger(__name__)

Emit = Callable[[EventData], Any]


class SucceededFields(Protocol):
    """What a succeeded event tells: a Payment row, or what the webhook's one-statement
    settlement returned (payments.db.stripe_events)."""

    @property
    def id(self) -> UUID: ...
    @property
    def enrollment_id(self) -> UUID: ...
    @property
    def stripe_payment_intent_id(self) -> str | None: ...
    @property
    def amount(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def platform_fee(self) -> int: ...
    @property
    def provider_share(self) -> int: ...


def _money(amount: int, currency: str) -> Money:
    return Money(amount=amount, currency=currency)


def initiated_event(payment: Initiated, *, now: datetime) -> PaymentInitiatedV1:
    """The intent exists at Stripe: the payment is pending and the frontend can pay."""
    return PaymentInitiatedV1(
        payment_id=payment.id,
        enrollment_id=payment.enrollment_id,
        stripe_payment_intent_id=payment.stripe_payment_intent_id,
        client_secret=payment.client_secret,
        amount=_money(payment.amount, payment.currency),
        initiated_at=now,
    )


def mark_succeeded(payment: Payment, *, now: datetime, emit: Emit) -> bool:
    status = PaymentStatus(payment.status)
    if not can_transition(status, PaymentStatus.SUCCEEDED):
        if status is not PaymentStatus.SUCCEEDED:
            # Paid after we cancelled: Stripe refuses to cancel a paid intent, so this
            # only happens if the cancel raced the payment. Ops must refund by hand.
            log.error("payment %s succeeded at Stripe but is %s here", payment.id, status.value)
        return False
    assert payment.stripe_payment_intent_id is not None
    payment.status = PaymentStatus.SUCCEEDED.value
    payment.succeeded_at = now
    payment.updated_at = now
    emit(succeeded_event(payment, now=now))
    return True


def succeeded_event(payment: SucceededFields, *, now: datetime) -> PaymentSucceededV1:
    assert payment.stripe_payment_intent_id is not None
    return PaymentSucceededV1(
        payment_id=payment.id,
        enrollment_id=payment.enrollment_id,
        stripe_payment_intent_id=payment.stripe_payment_intent_id,
        amount=_money(payment.amount, payment.currency),
        platform_fee=_money(payment.platform_fee, payment.currency),
        provider_share=_money(payment.provider_share, payment.currency),
        succeeded_at=now,
    )


def mark_failed_attempt(
    payment: Payment, *, reason: str, decline_code: str | None, now: datetime, emit: Emit
) -> bool:
    """A declined card leaves the payment payable; enrollment tells the learner."""
    if PaymentStatus(payment.status) is not PaymentStatus.PENDING:
        return False
    payment.attempts_failed += 1
    payment.last_failure_reason = reason[:1000]
    payment.last_decline_code = decline_code[:100] if decline_code else None
    payment.updated_at = now
    emit(
        PaymentFailedV1(
            payment_id=payment.id,
            enrollment_id=payment.enrollment_id,
            reason=reason[:1000] or "the payment attempt failed",
            decline_code=payment.last_decline_code,
            failed_at=now,
        )
    )
    return True


def mark_cancelled(payment: Payment, *, reason: str | None, now: datetime, emit: Emit) -> bool:
    if not can_transition(PaymentStatus(payment.status), PaymentStatus.CANCELLED):
        return False
    payment.status = PaymentStatus.CANCELLED.value
    payment.cancelled_at = now
    payment.updated_at = now
    emit(
        PaymentCancelledV1(
            payment_id=payment.id,
            enrollment_id=payment.enrollment_id,
            cancelled_at=now,
            reason=reason,
        )
    )
    return True


def complete_refund(
    payment: Payment, refund: Refund, *, stripe_refund_id: str, now: datetime, emit: Emit
) -> bool:
    """The money is back (Stripe: succeeded): count it and announce it, once."""
    if RefundStatus(refund.status) not in OPEN:
        return False
    refunded_before = payment.amount_refunded
    if refunded_before + refund.amount > payment.amount:
        log.error(
            "refund %s of %d would exceed payment %s; left for ops",
            stripe_refund_id,
            refund.amount,
            payment.id,
        )
        refund.status = RefundStatus.FAILED.value
        refund.failure_reason = "exceeds the payment"
        return False
    part = split_refund(
        amount=payment.amount,
        platform_fee=payment.platform_fee,
        refunded_before=refunded_before,
        refunding=refund.amount,
    )
    refund.status = RefundStatus.SUCCEEDED.value
    refund.stripe_refund_id = stripe_refund_id
    refund.platform_fee_refunded = part.platform_fee
    refund.provider_share_refunded = part.provider_share
    refund.refunded_at = now
    payment.amount_refunded = refunded_before + refund.amount
    payment.updated_at = now
    emit(
        PaymentRefundedV1(
            payment_id=payment.id,
            enrollment_id=payment.enrollment_id,
            amount_refunded=_money(refund.amount, payment.currency),
            total_refunded=_money(payment.amount_refunded, payment.currency),
            full=payment.amount_refunded == payment.amount,
            refunded_at=now,
        )
    )
    return True


def refuse_refund(refund: Refund, *, reason: str) -> bool:
    """Stripe refused to make the refund at all: release the reservation, alert ops."""
    if RefundStatus(refund.status) is not RefundStatus.REQUESTING:
        return False
    _not_paid_back(refund, RefundStatus.FAILED, reason, stage="refused")
    return True


def record_stripe_refund(
    payment: Payment,
    refund: Refund,
    *,
    stripe_refund_id: str,
    status: RefundStatus,
    failure: str | None,
    now: datetime,
    emit: Emit,
) -> None:
    """Stripe's latest word on one of our refunds, whichever path brought it (the API's
    answer, the consumer's, a webhook). Expects the payment row locked."""
    current = RefundStatus(refund.status)
    if refund.stripe_refund_id is None and current in OPEN:
        refund.stripe_refund_id = stripe_refund_id
    if status is RefundStatus.SUCCEEDED:
        complete_refund(payment, refund, stripe_refund_id=stripe_refund_id, now=now, emit=emit)
    elif status is RefundStatus.PENDING:
        if current is RefundStatus.REQUESTING:
            refund.status = RefundStatus.PENDING.value
    elif status in NOT_PAID_BACK:
        why = failure or f"Stripe reports the refund {status.value}"
        if current in OPEN:
            _not_paid_back(refund, status, why, stage="before_success")
        elif current is RefundStatus.SUCCEEDED:
            reverse_refund(payment, refund, status, why, now=now)


def reverse_refund(
    payment: Payment, refund: Refund, status: RefundStatus, why: str, *, now: datetime
) -> None:
    """A refund Stripe reported succeeded has failed after all (a card refund can: the
    card was closed). The money is with us again: the refunded total goes back down and
    the refund leaves the earnings. Nothing is announced: what the succeeded refund
    ended (a revoked enrollment and credential) stays ended, and ops settle with the
    learner by hand; the alert says so."""
    payment.amount_refunded = max(0, payment.amount_refunded - refund.amount)
    payment.updated_at = now
    _not_paid_back(refund, status, why, stage="after_success")


def _not_paid_back(refund: Refund, status: RefundStatus, why: str, *, stage: str) -> None:
    refund.status = status.value
    refund.failure_reason = why[:1000]
    REFUNDS_NOT_PAID_BACK.labels(refund.origin, stage).inc()
    log.error(
        "refund %s (%s, %d %s) of payment %s is %s (%s): the learner has not got the money "
        "back; ops must settle it",
        refund.id,
        refund.origin,
        refund.amount,
        refund.currency,
        refund.payment_id,
        status.value,
        why,
    )


def new_refund(
    payment: Payment,
    *,
    amount: int,
    origin: str,
    requested_by: str | None,
    now: datetime,
    reason: str | None = None,
    refund_id: UUID | None = None,
    request_fingerprint: str | None = None,
) -> Refund:
    return Refund(
        id=refund_id or uuid4(),
        payment_id=payment.id,
        amount=amount,
        currency=payment.currency,
        status=RefundStatus.REQUESTING.value,
        origin=origin,
        requested_by=requested_by,
        reason=reason,
        created_at=now,
        request_fingerprint=request_fingerprint,
    )
