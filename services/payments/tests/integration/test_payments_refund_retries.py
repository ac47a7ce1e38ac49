"""A refund request whose answer is lost (Stripe slow, or our database gone after Stripe
answered) is finished by a retry with the same Idempotency-Key: one refund, ever."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from asyncpg.exceptions import ConnectionDoesNotExistError
from credmarket_events.payments import PaymentInitiatedV1, PaymentRefundedV1, PaymentSucceededV1
from payments.actions import api_refunds
from payments.settings import PaymentsSettings

if TYPE_CHECKING:
    from services.payments.tests.integration.conftest import PaymentsHarness

pytestmark = pytest.mark.integration

GOOD_CARD = "4242424242424242"
Auth = Callable[[str, uuid.UUID | str], dict[str, str]]


@pytest.fixture
def payments_settings(payments_settings: PaymentsSettings) -> PaymentsSettings:
    # Stripe is given one second per attempt, and one attempt, so a held-back answer
    # times out quickly.
    return payments_settings.model_copy(
        update={"stripe_timeout_s": 1.0, "stripe_max_network_retries": 0}
    )


async def paid(payments: PaymentsHarness, amount: int = 3000) -> PaymentInitiatedV1:
    _requested, initiated = await payments.request_payment(amount=amount)
    assert (
        await payments.pay_with_card(initiated.stripe_payment_intent_id, GOOD_CARD) == "succeeded"
    )
    await payments.payments_topic.wait_for(PaymentSucceededV1, payment_id=initiated.payment_id)
    return initiated


async def refunds_at_stripe(payments: PaymentsHarness, intent_id: str) -> list[dict[str, Any]]:
    page = await payments.stripe.client.v1.refunds.list_async({"payment_intent": intent_id})
    return [r.to_dict() for r in page.data]


@pytest.fixture
async def stripe_faults(stripe_api_base: str) -> AsyncIterator[Callable[..., Any]]:
    armed: list[str] = []

    async def arm(**fields: Any) -> str:
        name = f"f{uuid.uuid4().hex[:12]}"
        async with httpx.AsyncClient() as http:
            response = await http.post(
                f"{stripe_api_base}/_config/faults/{name}",
                data={k: str(v) for k, v in fields.items()},
            )
            response.raise_for_status()
        armed.append(name)
        return name

    yield arm
    async with httpx.AsyncClient() as http:
        for name in armed:
            await http.delete(f"{stripe_api_base}/_config/faults/{name}")


async def disarm(stripe_api_base: str, name: str) -> None:
    async with httpx.AsyncClient() as http:
        assert (await http.delete(f"{stripe_api_base}/_config/faults/{name}")).status_code == 204


async def test_a_refund_stripe_made_but_answered_too_late_is_finished_by_a_retry(
    payments: PaymentsHarness,
    served_webhook: str,
    auth: Auth,
    stripe_faults: Callable[..., Any],
    stripe_api_base: str,
) -> None:
    initiated = await paid(payments)
    intent = initiated.stripe_payment_intent_id
    url = f"/v1/payments/{initiated.payment_id}/refunds"
    ops = {**auth("ops", "ops-refunds"), "Idempotency-Key": "refund-slow-1"}
    # Stripe makes the refund, but its answer arrives after we gave up.
    slow = await stripe_faults(path="/v1/refunds", match=initiated.payment_id, hang_s=3)

    first = await payments.client.post(url, json={}, headers=ops)
    assert first.status_code == 503, first.text
    assert first.headers["retry-after"]
    refund_id = first.json()["refund_id"]
    assert len(await refunds_at_stripe(payments, intent)) == 1

    again = await payments.client.post(url, json={}, headers=ops)  # still too slow
    assert again.status_code == 503
    assert again.json()["refund_id"] == refund_id
    assert len(await refunds_at_stripe(payments, intent)) == 1  # Stripe replayed it

    other = await payments.client.post(url, json={"amount": 10}, headers=ops)
    assert other.status_code == 422  # the key names that refund, not another
    assert other.json()["type"] == "urn:credmarket:problem:idempotency-key-reused"

    await disarm(stripe_api_base, slow)
    done = await payments.client.post(url, json={}, headers=ops)
    assert done.status_code == 201, done.text
    assert done.json()["id"] == refund_id
    assert done.json()["status"] == "succeeded"
    (at_stripe,) = await refunds_at_stripe(payments, intent)
    assert done.json()["stripe_refund_id"] == at_stripe["id"]

    replayed = await payments.client.post(url, json={}, headers=ops)
    assert replayed.json() == done.json()
    assert replayed.headers.get("idempotent-replayed") == "true"
    await payments.payments_topic.wait_for(PaymentRefundedV1, payment_id=initiated.payment_id)
    assert await payments.outbox_count(PaymentRefundedV1.event_type) == 1
    rows = await payments.scalar(
        "SELECT count(*) FROM refunds WHERE payment_id = :p", p=initiated.payment_id
    )
    assert rows == 1


async def test_a_refund_whose_database_failed_after_stripe_answered_is_finished_by_a_retry(
    payments: PaymentsHarness, served_webhook: str, auth: Auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    initiated = await paid(payments)
    intent = initiated.stripe_payment_intent_id
    url = f"/v1/payments/{initiated.payment_id}/refunds"
    ops = {**auth("ops", "ops-refunds"), "Idempotency-Key": "refund-db-1"}
    record = api_refunds._record
    failures = [ConnectionDoesNotExistError("connection was closed in the middle of operation")]

    async def record_once_fails(*args: Any) -> Any:
        if failures:
            raise failures.pop()
        return await record(*args)

    monkeypatch.setattr(api_refunds, "_record", record_once_fails)
    lost = await payments.client.post(url, json={}, headers=ops)
    assert lost.status_code == 503, lost.text  # transient: "repeat the request"
    assert len(await refunds_at_stripe(payments, intent)) == 1

    done = await payments.client.post(url, json={}, headers=ops)
    assert done.status_code == 201, done.text
    assert done.json()["status"] == "succeeded"
    assert len(await refunds_at_stripe(payments, intent)) == 1
    await payments.payments_topic.wait_for(PaymentRefundedV1, payment_id=initiated.payment_id)
    assert await payments.outbox_count(PaymentRefundedV1.event_type) == 1
