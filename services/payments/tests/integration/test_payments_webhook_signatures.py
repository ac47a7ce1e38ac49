"""Stripe webhooks signed as Stripe signs them: accepted once; anything else refused."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
import stripe
from credmarket_events.payments import PaymentRefundedV1, PaymentSucceededV1

if TYPE_CHECKING:
    from services.payments.tests.integration.conftest import PaymentsHarness

pytestmark = pytest.mark.integration

URL = "/v1/stripe/webhook"
OTHER_SECRET = "whsec_not_the_configured_one"
HEADERS = {"Content-Type": "application/json"}


def succeeded_payload(
    stripe_event: Callable[..., bytes], intent_id: str, event_id: str = "evt_test_once"
) -> bytes:
    return stripe_event(
        "payment_intent.succeeded",
        {"id": intent_id, "object": "payment_intent", "status": "succeeded"},
        event_id=event_id,
    )


def secret_of(payments: PaymentsHarness) -> str:
    return payments.settings.stripe_webhook_secret.get_secret_value()


async def test_our_signing_matches_the_sdk(
    payments: PaymentsHarness, sign: Callable[..., str], stripe_event: Callable[..., bytes]
) -> None:
    payload = succeeded_payload(stripe_event, "pi_sdkcheck")
    header = sign(payload, secret_of(payments))
    assert stripe.WebhookSignature.verify_header(payload.decode(), header, secret_of(payments), 300)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(payload.decode(), header, OTHER_SECRET, 300)


async def test_valid_event_delivered_three_times_counts_once(
    payments: PaymentsHarness, sign: Callable[..., str], stripe_event: Callable[..., bytes]
) -> None:
    _requested, initiated = await payments.request_payment()
    payload = succeeded_payload(stripe_event, initiated.stripe_payment_intent_id)
    answers = []
    for _ in range(3):
        # Stripe re-signs each delivery with a fresh timestamp.
        header = sign(payload, secret_of(payments))
        answers.append(
            await payments.client.post(
                URL, content=payload, headers={**HEADERS, "Stripe-Signature": header}
            )
        )
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["duplicate"] for a in answers] == [False, True, True]
    assert await payments.outbox_count(PaymentSucceededV1.event_type) == 1
    await payments.payments_topic.wait_for(PaymentSucceededV1, payment_id=initiated.payment_id)


@pytest.mark.parametrize("attack", ["forged", "unsigned", "stale", "wrong_secret", "garbled"])
async def test_bad_signatures_are_refused_without_effect(
    payments: PaymentsHarness,
    sign: Callable[..., str],
    stripe_event: Callable[..., bytes],
    attack: str,
) -> None:
    _requested, initiated = await payments.request_payment()
    payload = succeeded_payload(
        stripe_event, initiated.stripe_payment_intent_id, event_id=f"evt_{attack}"
    )
    secret = secret_of(payments)
    headers = dict(HEADERS)
    body = payload
    if attack == "forged":
        headers["Stripe-Signature"] = sign(payload, secret)
        # Signed, then the amount of money moved... by someone else.
        body = payload.replace(b'"status": "succeeded"', b'"status": "succeeded", "x": 1')
    elif attack == "stale":
        headers["Stripe-Signature"] = sign(payload, secret, timestamp=int(time.time()) - 301)
    elif attack == "wrong_secret":
        headers["Stripe-Signature"] = sign(payload, OTHER_SECRET)
    elif attack == "garbled":
        headers["Stripe-Signature"] = "this is not a signature"
    answer = await payments.client.post(URL, content=body, headers=headers)
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "urn:credmarket:problem:webhook-signature"
    assert await payments.scalar("SELECT count(*) FROM stripe_events") == 0
    assert await payments.outbox_count(PaymentSucceededV1.event_type) == 0
    assert (
        await payments.scalar("SELECT status FROM payments WHERE id = :id", id=initiated.payment_id)
        == "pending"
    )


@pytest.mark.parametrize("body", [b"[]", b'"evt"', b"{}", b'{"id": "evt_1", "data": []}'])
async def test_signed_bodies_that_are_not_stripe_events_are_refused(
    payments: PaymentsHarness, sign: Callable[..., str], body: bytes
) -> None:
    # Only Stripe can sign, but a 500 is never the answer to what a client sent.
    header = sign(body, secret_of(payments))
    answer = await payments.client.post(
        URL, content=body, headers={**HEADERS, "Stripe-Signature": header}
    )
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "urn:credmarket:problem:webhook-signature"
    assert await payments.scalar("SELECT count(*) FROM stripe_events") == 0


async def test_unknown_event_types_are_acknowledged_and_ignored(
    payments: PaymentsHarness, sign: Callable[..., str], stripe_event: Callable[..., bytes]
) -> None:
    payload = stripe_event("customer.created", {"id": "cus_1", "object": "customer"})
    header = sign(payload, secret_of(payments))
    answer = await payments.client.post(
        URL, content=payload, headers={**HEADERS, "Stripe-Signature": header}
    )
    assert answer.status_code == 200
    assert answer.json() == {"received": True, "duplicate": False}
    assert await payments.scalar("SELECT count(*) FROM outbox") == 0


async def test_refund_made_in_stripe_dashboard_is_recorded_once(
    payments: PaymentsHarness,
    sign: Callable[..., str],
    stripe_event: Callable[..., bytes],
    auth: Callable[[str, uuid.UUID | str], dict[str, str]],
) -> None:
    _requested, initiated = await payments.request_payment(amount=4000)
    intent_id = initiated.stripe_payment_intent_id
    assert await payments.pay_with_card(intent_id, "4242424242424242") == "succeeded"
    secret = secret_of(payments)
    paid = succeeded_payload(stripe_event, intent_id, event_id="evt_paid")
    await payments.client.post(
        URL,
        content=paid,
        headers={**HEADERS, "Stripe-Signature": sign(paid, secret)},
    )
    refund = {
        "id": "re_dashboard1",
        "object": "refund",
        "amount": 1000,
        "payment_intent": intent_id,
        "status": "succeeded",
        "metadata": {},
    }
    # Real Stripe reports one refund as several events; each names the same refund id.
    for event_type in ("refund.created", "charge.refund.updated", "refund.updated"):
        payload = stripe_event(event_type, refund)
        answer = await payments.client.post(
            URL,
            content=payload,
            headers={**HEADERS, "Stripe-Signature": sign(payload, secret)},
        )
        assert answer.status_code == 200
    assert await payments.outbox_count(PaymentRefundedV1.event_type) == 1
    assert (
        await payments.scalar(
            "SELECT amount_refunded FROM payments WHERE id = :id", id=initiated.payment_id
        )
        == 1000
    )


async def test_refund_webhook_after_api_refund_emits_nothing_more(
    payments: PaymentsHarness,
    sign: Callable[..., str],
    stripe_event: Callable[..., bytes],
    auth: Callable[[str, uuid.UUID | str], dict[str, str]],
) -> None:
    _requested, initiated = await payments.request_payment(amount=4000)
    intent_id = initiated.stripe_payment_intent_id
    assert await payments.pay_with_card(intent_id, "4242424242424242") == "succeeded"
    secret = secret_of(payments)
    paid = succeeded_payload(stripe_event, intent_id, event_id="evt_paid_api")
    await payments.client.post(
        URL, content=paid, headers={**HEADERS, "Stripe-Signature": sign(paid, secret)}
    )
    made = await payments.client.post(
        f"/v1/payments/{initiated.payment_id}/refunds",
        json={"amount": 500},
        headers={**auth("ops", "support-1"), "Idempotency-Key": "api-then-webhook"},
    )
    assert made.status_code == 201
    refund = {
        "id": made.json()["stripe_refund_id"],
        "object": "refund",
        "amount": 500,
        "payment_intent": intent_id,
        "status": "succeeded",
        "metadata": {"refund_id": made.json()["id"]},
    }
    payload = stripe_event("refund.created", refund)
    answer = await payments.client.post(
        URL, content=payload, headers={**HEADERS, "Stripe-Signature": sign(payload, secret)}
    )
    assert answer.status_code == 200
    assert await payments.outbox_count(PaymentRefundedV1.event_type) == 1
    assert (
        await payments.scalar(
            "SELECT amount_refunded FROM payments WHERE id = :id", id=initiated.payment_id
        )
        == 500
    )
