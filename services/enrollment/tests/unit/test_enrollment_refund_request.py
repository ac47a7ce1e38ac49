"""A refund the enrollment is owed becomes a request to payments, on the wire."""

from __future__ import annotations

from uuid import uuid4

import pytest
from credmarket_events.enrollment import RefundReason as WireRefundReason
from credmarket_events.enrollment import RefundRequestedV1
from credmarket_events.values import Money
from enrollment.actions import events
from enrollment.domain import lifecycle
from enrollment.domain.status import EnrollmentStatus, RefundReason
from enrollment_factories import at, in_status

S = EnrollmentStatus


def test_every_domain_refund_reason_has_a_wire_value() -> None:
    assert {r.value for r in RefundReason} == {r.value for r in WireRefundReason}


def test_payment_after_cancellation_requests_a_refund_of_the_price() -> None:
    e = in_status(S.CANCELLED)
    pid = uuid4()
    t = lifecycle.payment_succeeded(e, payment_id=pid, payment_intent_id="pi_1", at=at(40))
    [fact] = t.facts
    data = events.event_for(t.after, fact, None)
    assert data == RefundRequestedV1(
        enrollment_id=e.id,
        payment_id=pid,
        amount=Money(amount=4900, currency="EUR"),
        reason=WireRefundReason.ENROLLMENT_CANCELLED_BEFORE_PAYMENT,
        requested_at=at(40),
    )
    assert data.aggregate_id() == str(e.id)


@pytest.mark.parametrize("status", [S.ACTIVE, S.COMPLETED, S.REVOKED])
def test_a_second_payment_requests_a_refund_of_that_payment(status: S) -> None:
    e = in_status(status)
    other = uuid4()
    t = lifecycle.payment_succeeded(e, payment_id=other, payment_intent_id="pi_2", at=at(80))
    [fact] = t.facts
    data = events.event_for(t.after, fact, None)
    assert isinstance(data, RefundRequestedV1)
    assert data.payment_id == other
    assert data.reason is WireRefundReason.DUPLICATE_PAYMENT


def test_a_duplicate_success_after_the_request_asks_nothing_more() -> None:
    flagged = lifecycle.payment_succeeded(
        in_status(S.CANCELLED), payment_id=uuid4(), payment_intent_id="pi_1", at=at(40)
    ).after
    assert flagged.refund_due_payment_id is not None
    again = lifecycle.payment_succeeded(
        flagged, payment_id=flagged.refund_due_payment_id, payment_intent_id="pi_1", at=at(41)
    )
    assert again.facts == ()
