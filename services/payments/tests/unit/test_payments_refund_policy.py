from datetime import UTC, datetime, timedelta

import pytest
from payments.domain.refund_policy import (
    Refundable,
    RefundRefusal,
    RefundRefused,
    Requester,
    decide_refund,
    remaining,
)
from payments.domain.status import PaymentStatus

PAID_AT = datetime(2026, 3, 1, 12, tzinfo=UTC)
WINDOW = timedelta(days=14)
PROVIDER = "6f1c1c7e-6c43-4c8e-9a39-1e1f0e5c2a11"


def payment(
    status: PaymentStatus = PaymentStatus.SUCCEEDED, refunded: int = 0, amount: int = 5000
) -> Refundable:
    return Refundable(
        status=status,
        amount=amount,
        committed_refunds=refunded,
        provider_id=PROVIDER,
        succeeded_at=PAID_AT if status is PaymentStatus.SUCCEEDED else None,
    )


OPS = Requester("ops", "someone")
OWNER = Requester("provider", PROVIDER)


def decide(p: Refundable, who: Requester, amount: int | None, days_later: float = 1) -> int:
    return decide_refund(
        p, who, amount, now=PAID_AT + timedelta(days=days_later), provider_window=WINDOW
    )


def refusal(p: Refundable, who: Requester, amount: int | None, days_later: float = 1) -> str:
    with pytest.raises(RefundRefused) as caught:
        decide(p, who, amount, days_later)
    return caught.value.reason


def test_no_amount_means_the_rest() -> None:
    assert decide(payment(refunded=1200), OPS, None) == 3800


def test_partial_amount_is_kept() -> None:
    assert decide(payment(), OWNER, 700) == 700


def test_exactly_the_rest_is_allowed() -> None:
    assert decide(payment(refunded=1000), OPS, 4000) == 4000


def test_more_than_left_is_refused() -> None:
    assert refusal(payment(refunded=1000), OPS, 4001) == RefundRefusal.TOO_MUCH


def test_fully_refunded_is_refused() -> None:
    assert refusal(payment(refunded=5000), OPS, None) == RefundRefusal.NOTHING_LEFT


@pytest.mark.parametrize("amount", [0, -5])
def test_non_positive_amount_is_refused(amount: int) -> None:
    assert refusal(payment(), OPS, amount) == RefundRefusal.NOT_POSITIVE


@pytest.mark.parametrize(
    "status", [PaymentStatus.CREATING, PaymentStatus.PENDING, PaymentStatus.CANCELLED]
)
def test_only_succeeded_payments_refund(status: PaymentStatus) -> None:
    assert refusal(payment(status), OPS, None) == RefundRefusal.NOT_SUCCEEDED


def test_other_provider_is_refused() -> None:
    other = Requester("provider", "d4bd1e9a-5d5f-4c1f-8a39-6a0b57d0f7c2")
    assert refusal(payment(), other, None) == RefundRefusal.NOT_YOURS


def test_learner_is_refused() -> None:
    assert refusal(payment(), Requester("learner", PROVIDER), None) == RefundRefusal.NOT_YOURS


def test_provider_window_closes() -> None:
    assert decide(payment(), OWNER, None, days_later=14) == 5000
    assert refusal(payment(), OWNER, None, days_later=14.01) == RefundRefusal.WINDOW_CLOSED


def test_ops_has_no_window() -> None:
    assert decide(payment(), OPS, None, days_later=400) == 5000


def test_remaining_never_negative() -> None:
    assert remaining(payment(refunded=6000)) == 0
