"""Refunds enrollment asks for (RefundRequestedV1), against localstripe: once per payment."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
import stripe
from credmarket_events.enrollment import (
    CancellationReason,
    EnrollmentCancelledV1,
    RefundReason,
    RefundRequestedV1,
)
from credmarket_events.payments import PaymentInitiatedV1, PaymentRefundedV1, PaymentSucceededV1
from credmarket_events.testing import make_event
from credmarket_events.values import Money
from payments.domain.refund_policy import automatic_refund_id
from payments.settings import PaymentsSettings
from payments.stripe_gateway import RefundInfo, StripeGateway

if TYPE_CHECKING:
    from services.payments.tests.integration.conftest import PaymentsHarness

pytestmark = pytest.mark.integration

GOOD_CARD = "4242424242424242"
Auth = Callable[[str, uuid.UUID | str], dict[str, str]]


async def paid_then_cancelled(payments: PaymentsHarness, amount: int) -> PaymentInitiatedV1:
    """The learner's card went through just as the enrollment was cancelled."""
    requested, initiated = await payments.request_payment(amount=amount)
    assert (
        await payments.pay_with_card(initiated.stripe_payment_intent_id, GOOD_CARD) == "succeeded"
    )
    cancelled = await payments.publish(
        make_event(
            EnrollmentCancelledV1,
            enrollment_id=requested.enrollment_id,
            reason=CancellationReason.LEARNER_CANCELLED,
            payment_id=initiated.payment_id,
        )
    )
    await payments.wait_handled(cancelled)
    # Stripe refused to cancel a paid intent, so payments reports the success.
    await payments.payments_topic.wait_for(PaymentSucceededV1, payment_id=initiated.payment_id)
    return initiated


def refund_request(initiated: PaymentInitiatedV1, amount: int) -> RefundRequestedV1:
    return make_event(
        RefundRequestedV1,
        enrollment_id=initiated.enrollment_id,
        payment_id=initiated.payment_id,
        amount=Money(amount=amount, currency="EUR"),
        reason=RefundReason.ENROLLMENT_CANCELLED_BEFORE_PAYMENT,
    )


async def refunds_at_stripe(payments: PaymentsHarness, intent_id: str) -> list[dict[str, Any]]:
    page = await payments.stripe.client.v1.refunds.list_async({"limit": 100})
    return [r.to_dict() for r in page.data if r.to_dict().get("payment_intent") == intent_id]


async def payment_view(payments: PaymentsHarness, auth: Auth, payment_id: uuid.UUID) -> Any:
    resp = await payments.client.get(f"/v1/payments/{payment_id}", headers=auth("ops", "ops-1"))
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_a_requested_refund_is_made_once_and_shown_to_ops(
    payments: PaymentsHarness, served_webhook: str, auth: Auth
) -> None:
    initiated = await paid_then_cancelled(payments, 3100)
    asked = await payments.publish(refund_request(initiated, 3100))

    refunded = await payments.payments_topic.wait_for(
        PaymentRefundedV1, payment_id=initiated.payment_id
    )
    assert refunded.data.full is True
    assert refunded.data.amount_refunded == Money(amount=3100, currency="EUR")
    assert refunded.causation_id == asked.id
    [at_stripe] = await refunds_at_stripe(payments, initiated.stripe_payment_intent_id)
    assert at_stripe["amount"] == 3100
    assert at_stripe["metadata"]["refund_id"] == str(automatic_refund_id(initiated.payment_id))

    view = await payment_view(payments, auth, initiated.payment_id)
    assert view["fully_refunded"] is True
    [refund] = view["refunds"]
    assert refund["origin"] == "enrollment"
    assert refund["reason"] == "enrollment_cancelled_before_payment"
    assert refund["status"] == "succeeded"
    assert refund["stripe_refund_id"] == at_stripe["id"]

    # Asked again (a new event, so the inbox cannot drop it): nothing more happens.
    again = await payments.publish(refund_request(initiated, 3100))
    await payments.wait_handled(again)
    assert await payments.outbox_count(PaymentRefundedV1.event_type) == 1
    assert len(await refunds_at_stripe(payments, initiated.stripe_payment_intent_id)) == 1
    assert len((await payment_view(payments, auth, initiated.payment_id))["refunds"]) == 1


async def test_only_what_ops_left_is_refunded_and_nothing_once_all_is_back(
    payments: PaymentsHarness, served_webhook: str, auth: Auth
) -> None:
    initiated = await paid_then_cancelled(payments, 4000)
    url = f"/v1/payments/{initiated.payment_id}/refunds"
    ops = {**auth("ops", "ops-1"), "Idempotency-Key": f"ops-{uuid.uuid4()}"}
    part = await payments.client.post(url, json={"amount": 1500, "reason": "goodwill"}, headers=ops)
    assert part.status_code == 201, part.text
    assert part.json()["reason"] == "goodwill"

    await payments.publish(refund_request(initiated, 4000))
    rest = await payments.payments_topic.wait_for(
        PaymentRefundedV1, payment_id=initiated.payment_id, full=True
    )
    assert rest.data.amount_refunded == Money(amount=2500, currency="EUR")
    assert rest.data.total_refunded == Money(amount=4000, currency="EUR")
    amounts = [
        r["amount"] for r in await refunds_at_stripe(payments, initiated.stripe_payment_intent_id)
    ]
    assert sorted(amounts) == [1500, 2500]


async def test_a_payment_ops_refunded_in_full_is_left_alone(
    payments: PaymentsHarness, served_webhook: str, auth: Auth
) -> None:
    initiated = await paid_then_cancelled(payments, 2000)
    ops = {**auth("ops", "ops-1"), "Idempotency-Key": f"ops-{uuid.uuid4()}"}
    full = await payments.client.post(
        f"/v1/payments/{initiated.payment_id}/refunds", json={}, headers=ops
    )
    assert full.status_code == 201, full.text

    asked = await payments.publish(refund_request(initiated, 2000))
    await payments.wait_handled(asked)
    assert await payments.outbox_count(PaymentRefundedV1.event_type) == 1
    assert len(await refunds_at_stripe(payments, initiated.stripe_payment_intent_id)) == 1
    [only] = (await payment_view(payments, auth, initiated.payment_id))["refunds"]
    assert only["origin"] == "api"


class UnreachableOnFirstRefund(StripeGateway):
    """Once armed, the next refund call never reaches Stripe (a network failure)."""

    armed = False
    keys: list[str] = []

    async def create_refund(self, params: dict[str, Any], idempotency_key: str) -> RefundInfo:
        UnreachableOnFirstRefund.keys.append(idempotency_key)
        if UnreachableOnFirstRefund.armed:
            UnreachableOnFirstRefund.armed = False
            raise stripe.APIConnectionError("simulated network failure")  # type: ignore[no-untyped-call]
        return await super().create_refund(params, idempotency_key)


@pytest.fixture
def gateway_factory() -> Callable[[PaymentsSettings], StripeGateway]:
    UnreachableOnFirstRefund.armed = False
    UnreachableOnFirstRefund.keys = []

    def build(settings: PaymentsSettings) -> StripeGateway:
        base = StripeGateway.from_settings(settings)
        return UnreachableOnFirstRefund(base.client, base._http)

    return build


async def test_a_refund_whose_stripe_call_failed_is_retried_with_the_same_key(
    payments: PaymentsHarness, served_webhook: str, auth: Auth
) -> None:
    initiated = await paid_then_cancelled(payments, 2700)
    UnreachableOnFirstRefund.armed = True
    await payments.publish(refund_request(initiated, 2700))
    await payments.payments_topic.wait_for(PaymentRefundedV1, payment_id=initiated.payment_id)
    first, retried = UnreachableOnFirstRefund.keys
    assert first == retried
    assert len(await refunds_at_stripe(payments, initiated.stripe_payment_intent_id)) == 1
    assert await payments.outbox_count(PaymentRefundedV1.event_type) == 1
