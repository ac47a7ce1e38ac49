"""Who may refund what, and how much is left to refund."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid5

from payments.domain.status import PaymentStatus


class RefundRefusal(StrEnum):
    NOT_SUCCEEDED = "not_succeeded"
    NOT_YOURS = "not_yours"
    WINDOW_CLOSED = "window_closed"
    NOTHING_LEFT = "nothing_left"
    TOO_MUCH = "too_much"
    NOT_POSITIVE = "not_positive"


class RefundRefused(Exception):
    def __init__(self, reason: RefundRefusal, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Refundable:
    """What the rules need to know about a payment."""

    status: PaymentStatus
    amount: int
    # Refunds that succeeded or are still in flight at Stripe: both count, so two
    # concurrent requests cannot together refund more than was paid.
    committed_refunds: int
    provider_id: str
    succeeded_at: datetime | None


@dataclass(frozen=True, slots=True)
class Requester:
    role: str
    subject: str


def remaining(payment: Refundable) -> int:
    return max(0, payment.amount - payment.committed_refunds)


def decide_refund(
    payment: Refundable,
    requester: Requester,
    requested: int | None,
    *,
    now: datetime,
    provider_window: timedelta,
) -> int:
    """The amount to refund, or RefundRefused saying why not.

    Ops may refund any payment at any time; a provider only its own offerings'
    payments and only within ``provider_window`` of the payment's success.
    ``requested`` None means everything that is left.
    """
    if requester.role == "provider":
        if requester.subject != payment.provider_id:
            raise RefundRefused(RefundRefusal.NOT_YOURS, "this payment is not for your offering")
    elif requester.role != "ops":
        raise RefundRefused(RefundRefusal.NOT_YOURS, "only ops or the provider may refund")
    if payment.status is not PaymentStatus.SUCCEEDED or payment.succeeded_at is None:
        raise RefundRefused(
            RefundRefusal.NOT_SUCCEEDED,
            f"only a succeeded payment can be refunded; this one is {payment.status.value}",
        )
    if requester.role == "provider" and now > payment.succeeded_at + provider_window:
        raise RefundRefused(
            RefundRefusal.WINDOW_CLOSED,
            f"providers may refund within {provider_window.days} days of payment; ask ops",
        )
    left = remaining(payment)
    if left == 0:
        raise RefundRefused(RefundRefusal.NOTHING_LEFT, "this payment is already fully refunded")
    amount = left if requested is None else requested
    if amount <= 0:
        raise RefundRefused(RefundRefusal.NOT_POSITIVE, "the refund amount must be positive")
    if amount > left:
        raise RefundRefused(
            RefundRefusal.TOO_MUCH,
            f"at most {left} minor units are left to refund; {amount} were asked",
        )
    return amount


# Fixed forever: automatic refund ids derived from it are how a repeated request
# finds the refund the first one made.
_AUTOMATIC_REFUNDS = UUID("5b0c7e3a-3f5e-4c1e-9a59-2f4d1d6a8c21")


def automatic_refund_id(payment_id: UUID) -> UUID:
    """The id of the one automatic refund a payment can have."""
    return uuid5(_AUTOMATIC_REFUNDS, str(payment_id))


def automatic_refund_amount(payment: Refundable, asked: int) -> int:
    """What an automatic refund gives back: what is left, at most ``asked``; 0 means
    nothing is left (e.g. ops refunded it already). Raises RefundRefused for a payment
    that has not succeeded: there is nothing to give back."""
    if payment.status is not PaymentStatus.SUCCEEDED:
        raise RefundRefused(
            RefundRefusal.NOT_SUCCEEDED,
            f"only a succeeded payment can be refunded; this one is {payment.status.value}",
        )
    return max(0, min(remaining(payment), asked))
