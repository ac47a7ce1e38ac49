import pytest
from payments.domain.webhook_events import Outcome, RefundSeen, interpret


@pytest.mark.parametrize(
    ("event_type", "outcome"),
    [
        ("payment_intent.succeeded", Outcome.SUCCEEDED),
        ("payment_intent.canceled", Outcome.CANCELED),
    ],
)
def test_intent_outcomes(event_type: str, outcome: Outcome) -> None:
    got = interpret(event_type, {"id": "pi_abc", "object": "payment_intent"})
    assert got.outcome is outcome
    assert got.payment_intent_id == "pi_abc"


def test_failed_carries_reason_and_decline_code() -> None:
    got = interpret(
        "payment_intent.payment_failed",
        {
            "id": "pi_abc",
            "last_payment_error": {
                "code": "card_declined",
                "decline_code": "insufficient_funds",
                "message": "Your card has insufficient funds.",
            },
        },
    )
    assert got.outcome is Outcome.FAILED
    assert got.failure_reason == "Your card has insufficient funds."
    assert got.decline_code == "insufficient_funds"


def test_failed_without_error_has_a_reason_anyway() -> None:
    got = interpret("payment_intent.payment_failed", {"id": "pi_abc", "last_payment_error": None})
    assert got.failure_reason == "the payment attempt failed"
    assert got.decline_code is None


def test_failed_falls_back_to_error_code() -> None:
    got = interpret(
        "payment_intent.payment_failed",
        {"id": "pi_abc", "last_payment_error": {"code": "card_declined", "message": "no"}},
    )
    assert got.decline_code == "card_declined"


def test_intent_without_pi_id_is_ignored() -> None:
    assert interpret("payment_intent.succeeded", {"id": "ch_1"}).outcome is Outcome.IGNORED


@pytest.mark.parametrize(
    "event_type", ["refund.created", "refund.updated", "charge.refund.updated"]
)
def test_refund_object_events(event_type: str) -> None:
    got = interpret(
        event_type,
        {
            "id": "re_1",
            "object": "refund",
            "amount": 500,
            "payment_intent": "pi_9",
            "status": "pending",
        },
    )
    assert got.outcome is Outcome.REFUND
    assert got.refunds == (RefundSeen("re_1", "pi_9", 500, "pending"),)


def test_charge_refunded_lists_its_refunds() -> None:
    got = interpret(
        "charge.refunded",
        {
            "id": "ch_1",
            "object": "charge",
            "payment_intent": "pi_9",
            "refunds": {"data": [{"id": "re_1", "amount": 100}, {"id": "bogus", "amount": 5}]},
        },
    )
    assert got.refunds == (RefundSeen("re_1", "pi_9", 100, "succeeded"),)


def test_charge_refunded_without_list_records_nothing() -> None:
    got = interpret("charge.refunded", {"id": "ch_1", "object": "charge", "payment_intent": "pi_9"})
    assert got.outcome is Outcome.REFUND
    assert got.refunds == ()


@pytest.mark.parametrize(
    "obj",
    [{"id": "re_1", "object": "refund", "amount": 0}, {"id": "x", "object": "refund", "amount": 5}],
)
def test_malformed_refund_is_dropped(obj: dict[str, object]) -> None:
    assert interpret("refund.created", obj).refunds == ()


@pytest.mark.parametrize(
    "event_type", ["customer.created", "invoice.paid", "payment_intent.created"]
)
def test_unknown_types_are_ignored(event_type: str) -> None:
    assert interpret(event_type, {"id": "pi_1"}).outcome is Outcome.IGNORED


def test_refund_carries_our_refund_id_from_metadata() -> None:
    got = interpret(
        "refund.created",
        {
            "id": "re_1",
            "object": "refund",
            "amount": 5,
            "payment_intent": "pi_1",
            "metadata": {"refund_id": "abc"},
        },
    )
    assert got.refunds[0].our_refund_id == "abc"


@pytest.mark.parametrize(
    "refunds", [[{"id": "re_1", "amount": 100}], "re_1", 7, {"data": "re_1"}, {"data": 7}]
)
def test_charge_refunded_with_a_misshapen_list_records_nothing(refunds: object) -> None:
    got = interpret(
        "charge.refunded", {"object": "charge", "payment_intent": "pi_1", "refunds": refunds}
    )
    assert got.outcome is Outcome.REFUND
    assert got.refunds == ()
