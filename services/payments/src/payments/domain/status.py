"""The life of a payment, as a small state machine.

``creating``: our row exists, the Stripe PaymentIntent may or may not (a crash can
land between the two). ``pending``: the intent exists and awaits the learner's card;
a declined card leaves it pending (the learner may try another). ``succeeded`` and
``cancelled`` are final; refunds are tracked beside the status, not as a status.
"""

from __future__ import annotations

from enum import StrEnum


class PaymentStatus(StrEnum):
    CREATING = "creating"
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    CANCELLED = "cancelled"


FINAL: frozenset[PaymentStatus] = frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.CANCELLED})

_ALLOWED: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    # A ``creating`` row can learn of success too: the sweep found the intent after a crash.
    PaymentStatus.CREATING: frozenset(
        {PaymentStatus.PENDING, PaymentStatus.SUCCEEDED, PaymentStatus.CANCELLED}
    ),
    PaymentStatus.PENDING: frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.CANCELLED}),
    PaymentStatus.SUCCEEDED: frozenset(),
    PaymentStatus.CANCELLED: frozenset(),
}


def can_transition(current: PaymentStatus, target: PaymentStatus) -> bool:
    return target in _ALLOWED[current]


# Where a payment Stripe reports paid may come from (the webhook's one-statement path).
SUCCEEDS_FROM: frozenset[PaymentStatus] = frozenset(
    s for s in PaymentStatus if can_transition(s, PaymentStatus.SUCCEEDED)
)
