import uuid
from datetime import UTC, datetime, timedelta

import pytest
from payments.domain.refund_policy import (
    Refundable,
    RefundRefusal,
    RefundRefused,
    Requester,
    automatic_refund_amount,
    automatic_refund_id,
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


# --- automatic refunds (RefundRequestedV1) --------------------------------------------


def test_automatic_refund_gives_back_what_is_left_at_most_what_was_asked() -> None:
    assert automatic_refund_amount(payment(), 5000) == 5000
    assert automatic_refund_amount(payment(refunded=1500), 5000) == 3500
    assert automatic_refund_amount(payment(), 3000) == 3000


def test_automatic_refund_of_a_fully_refunded_payment_is_nothing() -> None:
    assert automatic_refund_amount(payment(refunded=5000), 5000) == 0


@pytest.mark.parametrize("status", [PaymentStatus.PENDING, PaymentStatus.CANCELLED])
def test_automatic_refund_of_an_unpaid_payment_is_refused(status: PaymentStatus) -> None:
    with pytest.raises(RefundRefused) as refused:
        automatic_refund_amount(payment(status=status), 5000)
    assert refused.value.reason is RefundRefusal.NOT_SUCCEEDED


def test_one_automatic_refund_id_per_payment() -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    assert automatic_refund_id(first) == automatic_refund_id(first)
    assert automatic_refund_id(first) != automatic_refund_id(second)
    # Derived, so it must stay stable across releases: a changed namespace would let a
    # redelivered request refund a payment a second time.
    fixed = uuid.UUID("00000000-0000-4000-8000-000000000001")
    assert automatic_refund_id(fixed) == uuid.UUID("ba6a039b-9dae-53b2-a53a-2d24b9b5fe6d")
