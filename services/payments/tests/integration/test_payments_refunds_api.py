"""Refunds through the API, against localstripe: partial, full, over, idempotent."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from credmarket_events.enrollment import EnrollmentRequestedV1
from credmarket_events.payments import PaymentInitiatedV1, PaymentRefundedV1, PaymentSucceededV1
from credmarket_events.values import Money

if TYPE_CHECKING:
    from services.payments.tests.integration.conftest import PaymentsHarness

pytestmark = pytest.mark.integration

GOOD_CARD = "4242424242424242"


async def paid(
    payments: PaymentsHarness, amount: int, provider_id: uuid.UUID
) -> tuple[EnrollmentRequestedV1, PaymentInitiatedV1]:
    requested, initiated = await payments.request_payment(amount=amount, provider_id=provider_id)
    assert (
        await payments.pay_with_card(initiated.stripe_payment_intent_id, GOOD_CARD) == "succeeded"
    )
    await payments.payments_topic.wait_for(PaymentSucceededV1, payment_id=initiated.payment_id)
    return requested, initiated


async def test_partial_then_full_refund_and_over_refund(
    payments: PaymentsHarness,
    served_webhook: str,
    auth: Callable[[str, uuid.UUID | str], dict[str, str]],
) -> None:
    provider = uuid.uuid4()
    _requested, initiated = await paid(payments, 5000, provider)
    url = f"/v1/payments/{initiated.payment_id}/refunds"
    as_provider = {**auth("provider", provider), "Idempotency-Key": "refund-part-1"}

    part = await payments.client.post(url, json={"amount": 1200}, headers=as_provider)
    assert part.status_code == 201, part.text
    assert part.json()["amount"] == {"amount": 1200, "currency": "EUR"}
    assert part.json()["status"] == "succeeded"
    assert part.json()["stripe_refund_id"].startswith("re_")
    first = await payments.payments_topic.wait_for(
        PaymentRefundedV1, payment_id=initiated.payment_id
    )
    assert first.data.amount_refunded == Money(amount=1200, currency="EUR")
    assert first.data.total_refunded == Money(amount=1200, currency="EUR")
    assert first.data.full is False

    # The same request again: the first answer, and no second refund.
    again = await payments.client.post(url, json={"amount": 1200}, headers=as_provider)
    assert again.status_code == 201
    assert again.json() == part.json()
    assert again.headers.get("idempotent-replayed") == "true"

    over = await payments.client.post(
        url,
        json={"amount": 3801},
        headers={**auth("ops", uuid.uuid4()), "Idempotency-Key": "refund-over"},
    )
    assert over.status_code == 422
    assert over.headers["content-type"] == "application/problem+json"
    assert over.json()["reason"] == "too_much"
    assert "3800" in over.json()["detail"]

    rest = await payments.client.post(
        url, json={}, headers={**auth("ops", uuid.uuid4()), "Idempotency-Key": "refund-rest"}
    )
    assert rest.status_code == 201, rest.text
    assert rest.json()["amount"]["amount"] == 3800
    second = await payments.payments_topic.wait_for(
        PaymentRefundedV1, payment_id=initiated.payment_id, full=True
    )
    assert second.data.total_refunded == Money(amount=5000, currency="EUR")
    assert second.data.amount_refunded == Money(amount=3800, currency="EUR")

    done = await payments.client.post(
        url, json={}, headers={**auth("ops", uuid.uuid4()), "Idempotency-Key": "refund-more"}
    )
    assert done.status_code == 422
    assert done.json()["reason"] == "nothing_left"
    assert await payments.outbox_count(PaymentRefundedV1.event_type) == 2

    view = await payments.client.get(
        f"/v1/payments/{initiated.payment_id}", headers=auth("provider", provider)
    )
    assert view.json()["fully_refunded"] is True
    assert [r["amount"]["amount"] for r in view.json()["refunds"]] == [1200, 3800]

    # Earnings: 15 % of 50.00 is 7.50; the refunds take all of it back, and the share.
    earnings = await payments.client.get("/v1/earnings", headers=auth("provider", provider))
    assert earnings.status_code == 200
    (line,) = earnings.json()["lines"]
    assert line["gross"] == 5000
    assert line["platform_fee"] == 750
    assert line["provider_share"] == 4250
    assert line["refunded"] == 5000
    assert line["platform_fee_refunded"] == 750
    assert line["net_provider_earnings"] == 0


async def test_refund_authorisation(
    payments: PaymentsHarness,
    served_webhook: str,
    auth: Callable[[str, uuid.UUID | str], dict[str, str]],
) -> None:
    provider = uuid.uuid4()
    _requested, initiated = await paid(payments, 3000, provider)
    url = f"/v1/payments/{initiated.payment_id}/refunds"

    anonymous = await payments.client.post(url, json={}, headers={"Idempotency-Key": "a"})
    assert anonymous.status_code == 401
    learner = await payments.client.post(
        url, json={}, headers={**auth("learner", uuid.uuid4()), "Idempotency-Key": "b"}
    )
    assert learner.status_code == 403
    stranger = await payments.client.post(
        url, json={}, headers={**auth("provider", uuid.uuid4()), "Idempotency-Key": "c"}
    )
    assert stranger.status_code == 404
    no_key = await payments.client.post(url, json={}, headers=auth("ops", uuid.uuid4()))
    assert no_key.status_code == 400
    not_cents = await payments.client.post(
        url,
        json={"amount": "49.00"},
        headers={**auth("ops", uuid.uuid4()), "Idempotency-Key": "d"},
    )
    assert not_cents.status_code == 422
    assert await payments.outbox_count(PaymentRefundedV1.event_type) == 0
    assert await payments.scalar("SELECT count(*) FROM refunds") == 0

    other_earnings = await payments.client.get(
        "/v1/earnings",
        params={"provider_id": str(uuid.uuid4())},
        headers=auth("provider", provider),
    )
    assert other_earnings.status_code == 403
    ops_earnings = await payments.client.get(
        "/v1/earnings", params={"provider_id": str(provider)}, headers=auth("ops", uuid.uuid4())
    )
    eur = {"currency": "EUR"}
    assert ops_earnings.json()["totals"] == [
        {
            "amounts": {
                "gross": {"amount": 3000, **eur},
                "refunded": {"amount": 0, **eur},
                "platform_fee_net": {"amount": 450, **eur},
                "net_provider_earnings": {"amount": 2550, **eur},
            },
            # Deprecated for one version (docs/api-style.md): the same sums, bare.
            "currency": "EUR",
            "gross": 3000,
            "refunded": 0,
            "platform_fee_net": 450,
            "net_provider_earnings": 2550,
        }
    ]
    (line,) = ops_earnings.json()["lines"]
    assert line["amounts"]["provider_share"] == {"amount": 2550, **eur}
    assert line["amounts"]["net_provider_earnings"] == {"amount": 2550, **eur}


async def test_provider_refund_window_closes(
    payments: PaymentsHarness,
    served_webhook: str,
    auth: Callable[[str, uuid.UUID | str], dict[str, str]],
) -> None:
    provider = uuid.uuid4()
    _requested, initiated = await paid(payments, 3000, provider)
    await payments.execute(
        "UPDATE payments SET succeeded_at = now() - interval '15 days' WHERE id = :id",
        id=initiated.payment_id,
    )
    late = await payments.client.post(
        f"/v1/payments/{initiated.payment_id}/refunds",
        json={},
        headers={**auth("provider", provider), "Idempotency-Key": "late"},
    )
    assert late.status_code == 403
    assert late.json()["reason"] == "window_closed"
    ops = await payments.client.post(
        f"/v1/payments/{initiated.payment_id}/refunds",
        json={"amount": 100},
        headers={**auth("ops", uuid.uuid4()), "Idempotency-Key": "late-ops"},
    )
    assert ops.status_code == 201
