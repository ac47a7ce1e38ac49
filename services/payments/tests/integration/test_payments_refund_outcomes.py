"""A refund is final only when Stripe says `succeeded`: pending ones keep their amount
reserved and announce nothing; failed or canceled ones release it and alert ops; a
card refund that fails after it succeeded gives the money back to the ledger."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from credmarket_events.enrollment import RefundReason, RefundRequestedV1
from credmarket_events.payments import PaymentInitiatedV1, PaymentRefundedV1, PaymentSucceededV1
from credmarket_events.testing import make_event
from credmarket_events.values import Money
from credmarket_testing.wait import wait_until

if TYPE_CHECKING:
    from services.payments.tests.integration.conftest import PaymentsHarness

pytestmark = pytest.mark.integration

GOOD_CARD = "4242424242424242"
# Stripe's test cards for asynchronous refunds (docs.stripe.com/testing).
REFUND_PENDING_THEN_SUCCEEDS = "4000000000007726"
REFUND_SUCCEEDS_THEN_FAILS = "4000000000005126"
Auth = Callable[[str, uuid.UUID | str], dict[str, str]]


async def paid(payments: PaymentsHarness, card: str, amount: int = 4000) -> PaymentInitiatedV1:
    _requested, initiated = await payments.request_payment(amount=amount)
    assert await payments.pay_with_card(initiated.stripe_payment_intent_id, card) == "succeeded"
    await payments.payments_topic.wait_for(PaymentSucceededV1, payment_id=initiated.payment_id)
    return initiated


async def view(payments: PaymentsHarness, auth: Auth, payment_id: uuid.UUID) -> dict[str, Any]:
    response = await payments.client.get(
        f"/v1/payments/{payment_id}", headers=auth("ops", "ops-look")
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def not_paid_back(payments: PaymentsHarness, origin: str, stage: str) -> float:
    """What ops' alert reads: the counter on the service's /metrics."""
    text = (await payments.client.get("/metrics")).text
    pattern = (
        r'^credmarket_payments_refunds_not_paid_back_total\{origin="'
        + origin
        + r'",stage="'
        + stage
        + r'"\} (\S+)$'
    )
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def refunded_events(payments: PaymentsHarness, payment_id: uuid.UUID) -> int:
    n = await payments.scalar(
        "SELECT count(*) FROM outbox WHERE event_type = :t AND key = :k",
        t=PaymentRefundedV1.event_type,
        k=str(payment_id),
    )
    return int(n)


async def test_a_refund_that_fails_after_pending_releases_its_amount_and_alerts_ops(
    payments: PaymentsHarness, served_webhook: str, auth: Auth, stripe_api_base: str
) -> None:
    initiated = await paid(payments, GOOD_CARD)
    intent = initiated.stripe_payment_intent_id
    async with httpx.AsyncClient() as http:
        told = await http.post(
            f"{stripe_api_base}/_config/refund_outcomes/{intent}", data={"first": "pending"}
        )
        told.raise_for_status()
    before = await not_paid_back(payments, "api", "before_success")
    url = f"/v1/payments/{initiated.payment_id}/refunds"
    made = await payments.client.post(
        url, json={}, headers={**auth("ops", "ops-1"), "Idempotency-Key": "pending-1"}
    )
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "pending"
    stripe_refund = made.json()["stripe_refund_id"]

    pending = await view(payments, auth, initiated.payment_id)
    assert pending["amount_refunded"]["amount"] == 0  # not back yet: nothing counted
    assert await refunded_events(payments, initiated.payment_id) == 0
    # ... but reserved: nothing more can be refunded meanwhile.
    more = await payments.client.post(
        url, json={}, headers={**auth("ops", "ops-1"), "Idempotency-Key": "pending-2"}
    )
    assert more.status_code == 422
    assert more.json()["reason"] == "nothing_left"

    async with httpx.AsyncClient() as http:
        ended = await http.post(
            f"{stripe_api_base}/_config/refunds/{stripe_refund}/outcome",
            data={"status": "failed", "failure_reason": "lost_or_stolen_card"},
        )
        ended.raise_for_status()

    async def failed() -> bool:
        refunds = (await view(payments, auth, initiated.payment_id))["refunds"]
        return [r["status"] for r in refunds] == ["failed"]

    await wait_until(failed, timeout=20, message="the refund.failed webhook was not applied")
    after = await view(payments, auth, initiated.payment_id)
    assert after["amount_refunded"]["amount"] == 0
    assert "lost_or_stolen_card" in after["refunds"][0]["failure_reason"]
    assert await refunded_events(payments, initiated.payment_id) == 0
    assert await not_paid_back(payments, "api", "before_success") == before + 1
    # The reservation is released: ops can try again (a new key: a new refund), and
    # this time Stripe pays it back at once.
    async with httpx.AsyncClient() as http:
        told = await http.post(
            f"{stripe_api_base}/_config/refund_outcomes/{intent}", data={"first": "succeeded"}
        )
        told.raise_for_status()
    retry = await payments.client.post(
        url, json={}, headers={**auth("ops", "ops-1"), "Idempotency-Key": "pending-3"}
    )
    assert retry.status_code == 201, retry.text
    assert retry.json()["status"] == "succeeded"
    await payments.payments_topic.wait_for(PaymentRefundedV1, payment_id=initiated.payment_id)
    assert await refunded_events(payments, initiated.payment_id) == 1


async def test_an_automatic_refund_is_announced_only_once_the_pending_refund_succeeds(
    payments: PaymentsHarness, served_webhook: str, auth: Auth
) -> None:
    initiated = await paid(payments, REFUND_PENDING_THEN_SUCCEEDS)
    await payments.publish(
        make_event(
            RefundRequestedV1,
            enrollment_id=initiated.enrollment_id,
            payment_id=initiated.payment_id,
            amount=Money(amount=4000, currency="EUR"),
            reason=RefundReason.DUPLICATE_PAYMENT,
        )
    )

    async def pending() -> bool:
        refunds = (await view(payments, auth, initiated.payment_id))["refunds"]
        return [r["status"] for r in refunds] == ["pending"]

    await wait_until(pending, timeout=20, message="the automatic refund never went pending")
    assert await refunded_events(payments, initiated.payment_id) == 0
    refunded = await payments.payments_topic.wait_for(
        PaymentRefundedV1, payment_id=initiated.payment_id
    )
    assert refunded.data.full is True
    done = await view(payments, auth, initiated.payment_id)
    assert [r["status"] for r in done["refunds"]] == ["succeeded"]
    assert done["amount_refunded"]["amount"] == 4000
    assert await refunded_events(payments, initiated.payment_id) == 1


async def test_a_card_refund_that_fails_after_it_succeeded_goes_back_into_the_ledger(
    payments: PaymentsHarness, served_webhook: str, auth: Auth
) -> None:
    initiated = await paid(payments, REFUND_SUCCEEDS_THEN_FAILS)
    before = await not_paid_back(payments, "api", "after_success")
    made = await payments.client.post(
        f"/v1/payments/{initiated.payment_id}/refunds",
        json={},
        headers={**auth("ops", "ops-1"), "Idempotency-Key": "card-closed-1"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "succeeded"
    await payments.payments_topic.wait_for(PaymentRefundedV1, payment_id=initiated.payment_id)

    async def reversed_() -> bool:
        payment = await view(payments, auth, initiated.payment_id)
        return bool(payment["amount_refunded"]["amount"] == 0)

    await wait_until(reversed_, timeout=20, message="the refund's failure was not applied")
    after = await view(payments, auth, initiated.payment_id)
    assert [r["status"] for r in after["refunds"]] == ["failed"]
    assert "expired_or_canceled_card" in after["refunds"][0]["failure_reason"]
    assert after["fully_refunded"] is False
    assert await not_paid_back(payments, "api", "after_success") == before + 1
    assert await refunded_events(payments, initiated.payment_id) == 1  # announced once, only
