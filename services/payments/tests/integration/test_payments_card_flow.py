"""The learner pays (or fails to) at localstripe; Stripe's webhook settles it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from credmarket_events.payments import PaymentFailedV1, PaymentSucceededV1
from credmarket_events.values import Money

if TYPE_CHECKING:
    from services.payments.tests.integration.conftest import PaymentsHarness

pytestmark = pytest.mark.integration

GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"


async def test_payment_succeeds_via_signed_webhook(
    payments: PaymentsHarness,
    served_webhook: str,
    auth: Callable[[str, uuid.UUID | str], dict[str, str]],
) -> None:
    requested, initiated = await payments.request_payment(amount=1999)
    assert initiated.amount == Money(amount=1999, currency="EUR")
    assert initiated.client_secret.startswith(initiated.stripe_payment_intent_id)

    status = await payments.pay_with_card(initiated.stripe_payment_intent_id, GOOD_CARD)
    assert status == "succeeded"

    succeeded = await payments.payments_topic.wait_for(
        PaymentSucceededV1, payment_id=initiated.payment_id
    )
    # 15 % of 19.99 is 2.9985, rounded half up to 3.00.
    assert succeeded.data.platform_fee == Money(amount=300, currency="EUR")
    assert succeeded.data.provider_share == Money(amount=1699, currency="EUR")
    assert succeeded.data.enrollment_id == requested.enrollment_id

    mine = await payments.client.get(
        f"/v1/payments/{initiated.payment_id}", headers=auth("learner", requested.learner_id)
    )
    assert mine.status_code == 200
    assert mine.json()["status"] == "succeeded"
    assert mine.json()["platform_fee"] == {"amount": 300, "currency": "EUR"}
    others = await payments.client.get(
        f"/v1/payments/{initiated.payment_id}", headers=auth("learner", uuid.uuid4())
    )
    assert others.status_code == 404
    assert others.headers["content-type"] == "application/problem+json"


async def test_declined_card_leaves_payment_payable(
    payments: PaymentsHarness,
    served_webhook: str,
    auth: Callable[[str, uuid.UUID | str], dict[str, str]],
) -> None:
    _requested, initiated = await payments.request_payment()

    status = await payments.pay_with_card(initiated.stripe_payment_intent_id, DECLINED_CARD)
    assert status == "requires_payment_method"

    failed = await payments.payments_topic.wait_for(
        PaymentFailedV1, payment_id=initiated.payment_id
    )
    assert failed.data.decline_code == "card_declined"
    assert failed.data.reason
    view = await payments.client.get(
        f"/v1/payments/{initiated.payment_id}", headers=auth("ops", uuid.uuid4())
    )
    assert view.json()["status"] == "pending"
    assert view.json()["attempts_failed"] == 1
