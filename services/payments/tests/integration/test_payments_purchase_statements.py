"""The purchase path's one-statement writes at their edges: a succeeded webhook that
settles nothing (no payment of ours, a payment cancelled before) still claims its event
id and announces nothing; the provider's account is read into the claimed row."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from credmarket_events.enrollment import CancellationReason, EnrollmentCancelledV1
from credmarket_events.payments import PaymentCancelledV1, PaymentSucceededV1
from credmarket_events.testing import make_event

if TYPE_CHECKING:
    from services.payments.tests.integration.conftest import PaymentsHarness

pytestmark = pytest.mark.integration

URL = "/v1/stripe/webhook"
Auth = Callable[[str, uuid.UUID | str], dict[str, str]]


async def deliver(
    payments: PaymentsHarness,
    sign: Callable[..., str],
    stripe_event: Callable[..., bytes],
    intent_id: str,
    event_id: str,
) -> tuple[bool, bool]:
    """(received, duplicate) of a payment_intent.succeeded delivered twice."""
    payload = stripe_event(
        "payment_intent.succeeded",
        {"id": intent_id, "object": "payment_intent", "status": "succeeded"},
        event_id=event_id,
    )
    secret = payments.settings.stripe_webhook_secret.get_secret_value()
    answers = []
    for _ in range(2):
        answer = await payments.client.post(
            URL,
            content=payload,
            headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload, secret)},
        )
        assert answer.status_code == 200, answer.text
        answers.append(answer.json()["duplicate"])
    return answers[0], answers[1]


async def test_a_succeeded_webhook_for_no_payment_of_ours_is_claimed_and_changes_nothing(
    payments: PaymentsHarness, sign: Callable[..., str], stripe_event: Callable[..., bytes]
) -> None:
    event_id = f"evt_{uuid.uuid4().hex[:20]}"
    first, second = await deliver(payments, sign, stripe_event, "pi_not_ours_at_all", event_id)
    assert (first, second) == (False, True)
    assert await payments.scalar("SELECT count(*) FROM stripe_events WHERE id = :i", i=event_id)
    assert await payments.outbox_count(PaymentSucceededV1.event_type) == 0


async def test_a_succeeded_webhook_for_a_cancelled_payment_is_logged_not_announced(
    payments: PaymentsHarness,
    sign: Callable[..., str],
    stripe_event: Callable[..., bytes],
    caplog: pytest.LogCaptureFixture,
) -> None:
    requested, initiated = await payments.request_payment()
    await payments.publish(
        make_event(
            EnrollmentCancelledV1,
            enrollment_id=requested.enrollment_id,
            reason=CancellationReason.PAYMENT_DEADLINE_PASSED,
            payment_id=initiated.payment_id,
        )
    )
    await payments.payments_topic.wait_for(PaymentCancelledV1, payment_id=initiated.payment_id)
    event_id = f"evt_{uuid.uuid4().hex[:20]}"
    with caplog.at_level(logging.ERROR, logger="payments.actions.settlement"):
        first, second = await deliver(
            payments, sign, stripe_event, initiated.stripe_payment_intent_id, event_id
        )
    assert (first, second) == (False, True)
    assert f"payment {initiated.payment_id} succeeded at Stripe but is cancelled" in caplog.text
    status = await payments.scalar(
        "SELECT status FROM payments WHERE id = :i", i=initiated.payment_id
    )
    assert status == "cancelled"
    assert await payments.outbox_count(PaymentSucceededV1.event_type) == 0


async def test_the_providers_account_is_read_into_the_claimed_payment(
    payments: PaymentsHarness, auth: Auth
) -> None:
    provider = uuid.uuid4()
    put = await payments.client.put(
        f"/v1/providers/{provider}/stripe-account",
        json={"stripe_account_id": "acct_claimedwithit"},
        headers=auth("ops", "ops-accounts"),
    )
    assert put.status_code == 200, put.text
    _requested, with_account = await payments.request_payment(provider_id=provider)
    _requested, without = await payments.request_payment()
    accounts = {
        payment_id: await payments.scalar(
            "SELECT provider_account FROM payments WHERE id = :i", i=payment_id
        )
        for payment_id in (with_account.payment_id, without.payment_id)
    }
    assert accounts == {with_account.payment_id: "acct_claimedwithit", without.payment_id: None}
