"""The life of a refund, and what Stripe's word for it means to us.

``requesting``: our row reserves the amount; Stripe has not answered (or the answer
was lost). ``pending``: Stripe accepted it but the money is not back yet; the amount
stays reserved and nothing is announced. ``succeeded``: the money is back: counted in
the payment's refunded total and announced (PaymentRefundedV1) once. ``failed`` and
``canceled``: Stripe will not (or no longer) pay it back; the reservation is released
and ops are alerted. Card refunds can fail even after ``succeeded`` (the card was
closed): then the refunded total goes back down (see settlement.reverse_refund).
"""

from __future__ import annotations

from enum import StrEnum


class RefundStatus(StrEnum):
    REQUESTING = "requesting"
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


# Counted against what is left to refund: done, or on its way at Stripe.
RESERVING: frozenset[RefundStatus] = frozenset(
    {RefundStatus.REQUESTING, RefundStatus.PENDING, RefundStatus.SUCCEEDED}
)
# Still waiting for Stripe's last word.
OPEN: frozenset[RefundStatus] = frozenset({RefundStatus.REQUESTING, RefundStatus.PENDING})
NOT_PAID_BACK: frozenset[RefundStatus] = frozenset({RefundStatus.FAILED, RefundStatus.CANCELED})

# Stripe's refund statuses (docs: refund object, `status`). `requires_action` waits on
# the customer (some non-card methods): still on its way, as `pending` is.
_FROM_STRIPE: dict[str, RefundStatus] = {
    "pending": RefundStatus.PENDING,
    "requires_action": RefundStatus.PENDING,
    "succeeded": RefundStatus.SUCCEEDED,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.CANCELED,
}


def from_stripe(status: str) -> RefundStatus | None:
    """Our status for Stripe's; None for one we do not know (left as it is, logged)."""
    return _FROM_STRIPE.get(status)
