"""Cancellation, reconciliation of a lost webhook, and a crash mid-creation."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from credmarket_events.enrollment import CancellationReason, EnrollmentCancelledV1
from credmarket_events.payments import (
    PaymentCancelledV1,
    PaymentInitiatedV1,
    PaymentSucceededV1,
)
from credmarket_events.testing import make_event
from payments.settings import PaymentsSettings
from payments.stripe_gateway import IntentInfo, StripeGateway
from payments.sweeps import reconcile_once

if TYPE_CHECKING:
    from services.payments.tests.integration.conftest import PaymentsHarness

pytestmark = pytest.mark.integration

GOOD_CARD = "4242424242424242"


async def test_cancelled_enrollment_cancels_its_intent(payments: PaymentsHarness) -> None:
    requested, initiated = await payments.request_payment()
    await payments.publish(
        make_event(
            EnrollmentCancelledV1,
            enrollment_id=requested.enrollment_id,
            reason=CancellationReason.PAYMENT_DEADLINE_PASSED,
            payment_id=initiated.payment_id,
        )
    )
    cancelled = await payments.payments_topic.wait_for(
        PaymentCancelledV1, payment_id=initiated.payment_id
    )
    assert cancelled.data.reason == "payment_deadline_passed"
    intent = await payments.stripe.retrieve_intent(initiated.stripe_payment_intent_id)
    assert intent.status == "canceled"
    # Cancelling an intent that is already canceled is fine, not an error.
    again = await payments.stripe.cancel_intent(initiated.stripe_payment_intent_id, "k-again")
    assert again.status == "canceled"


async def test_sweep_settles_a_payment_whose_webhook_was_lost(payments: PaymentsHarness) -> None:
    # No webhook endpoint is registered here: Stripe's news never arrives by itself.
    _requested, initiated = await payments.request_payment(amount=2500)
    assert (
        await payments.pay_with_card(initiated.stripe_payment_intent_id, GOOD_CARD) == "succeeded"
    )
    assert await payments.outbox_count(PaymentSucceededV1.event_type) == 0

    assert await reconcile_once(payments.rt) == 1
    succeeded = await payments.payments_topic.wait_for(
        PaymentSucceededV1, payment_id=initiated.payment_id
    )
    assert succeeded.data.amount.amount == 2500
    # A second sweep finds nothing left to settle.
    assert await reconcile_once(payments.rt) == 0
    assert await payments.outbox_count(PaymentSucceededV1.event_type) == 1


class DiesAfterCreatingIntent(StripeGateway):
    """Stripe made the intent, then the process died before our commit (once)."""

    died = 0

    async def create_intent(self, params: dict[str, Any], idempotency_key: str) -> IntentInfo:
        intent = await super().create_intent(params, idempotency_key)
        if DiesAfterCreatingIntent.died == 0:
            DiesAfterCreatingIntent.died += 1
            raise ConnectionResetError("simulated crash after Stripe answered")
        return intent


@pytest.fixture
def gateway_factory() -> Callable[[PaymentsSettings], StripeGateway]:
    DiesAfterCreatingIntent.died = 0

    def build(settings: PaymentsSettings) -> StripeGateway:
        base = StripeGateway.from_settings(settings)
        return DiesAfterCreatingIntent(base.client, base._http)

    return build


async def test_crash_after_creating_intent_makes_no_second_one(payments: PaymentsHarness) -> None:
    requested, initiated = await payments.request_payment()
    assert DiesAfterCreatingIntent.died == 1
    # The redelivered event found the first intent instead of creating another.
    assert await payments.intents_for(requested.enrollment_id) == [
        initiated.stripe_payment_intent_id
    ]
    assert await payments.outbox_count(PaymentInitiatedV1.event_type) == 1
    assert await payments.scalar("SELECT count(*) FROM payments") == 1

    # A duplicate request (same enrollment, new event id) creates nothing either.
    duplicate = await payments.publish(requested.model_copy())
    await payments.wait_handled(duplicate)
    assert await payments.intents_for(requested.enrollment_id) == [
        initiated.stripe_payment_intent_id
    ]
    assert await payments.outbox_count(PaymentInitiatedV1.event_type) == 1
