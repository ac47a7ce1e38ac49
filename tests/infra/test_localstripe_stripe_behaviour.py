"""What the stand-in does as Stripe does: idempotency keys, refunds that end later, and the
faults tests inject in front of it. Driven with the real Stripe SDK over HTTP."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from aiohttp import web
from credmarket_testing.system import free_port
from credmarket_testing.wait import wait_until
from stripe import (
    APIConnectionError,
    APIError,
    HTTPXClient,
    IdempotencyError,
    InvalidRequestError,
    StripeClient,
)

pytestmark = pytest.mark.integration

TEST_KEY = "sk_test_credmarket_local"
OTHER_ACCOUNT_KEY = "sk_test_credmarket_other"


def client(stripe_api_base: str, key: str = TEST_KEY, **kw: Any) -> StripeClient:
    return StripeClient(key, base_addresses={"api": stripe_api_base}, **kw)


def paid_intent(c: StripeClient, card: str = "4242424242424242", amount: int = 2500) -> str:
    method = c.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": card, "exp_month": 12, "exp_year": 2034, "cvc": "123"},
        }
    )
    intent = c.v1.payment_intents.create(params={"amount": amount, "currency": "eur"})
    c.v1.payment_intents.update(intent.id, params={"payment_method": method.id})
    assert c.v1.payment_intents.confirm(intent.id).status == "succeeded"
    return str(intent.id)


def refunds_of(c: StripeClient, intent_id: str) -> list[Any]:
    return list(c.v1.refunds.list(params={"payment_intent": intent_id}).data)


# --- Idempotency-Key ------------------------------------------------------------------------


def test_the_same_key_and_parameters_get_the_first_answer_and_make_nothing_more(
    stripe_api_base: str, unique_id: str
) -> None:
    c = client(stripe_api_base)
    params: Any = {"amount": 1234, "currency": "eur", "metadata": {"run": unique_id}}
    key = f"pi-create-{unique_id}"
    first = c.v1.payment_intents.create(params=params, options={"idempotency_key": key})
    again = c.v1.payment_intents.create(params=params, options={"idempotency_key": key})
    assert again.id == first.id
    assert again.client_secret == first.client_secret
    found = c.v1.payment_intents.search(params={"query": f"metadata['run']:'{unique_id}'"})
    assert [i.id for i in found.data] == [first.id]


def test_the_same_key_with_other_parameters_is_an_idempotency_error(
    stripe_api_base: str, unique_id: str
) -> None:
    c = client(stripe_api_base)
    key = f"pi-create-{unique_id}"
    c.v1.payment_intents.create(
        params={"amount": 1000, "currency": "eur"}, options={"idempotency_key": key}
    )
    with pytest.raises(IdempotencyError) as refused:
        c.v1.payment_intents.create(
            params={"amount": 2000, "currency": "eur"}, options={"idempotency_key": key}
        )
    assert refused.value.http_status == 400
    assert "same parameters" in str(refused.value)


def test_keys_belong_to_one_account_and_one_request_path(
    stripe_api_base: str, unique_id: str
) -> None:
    key = f"shared-{unique_id}"
    mine = client(stripe_api_base).v1.payment_intents.create(
        params={"amount": 1000, "currency": "eur"}, options={"idempotency_key": key}
    )
    theirs = client(stripe_api_base, OTHER_ACCOUNT_KEY).v1.payment_intents.create(
        params={"amount": 1000, "currency": "eur"}, options={"idempotency_key": key}
    )
    assert theirs.id != mine.id


def test_a_refund_repeated_with_its_key_is_made_once_and_replayed(
    stripe_api_base: str, unique_id: str
) -> None:
    c = client(stripe_api_base)
    intent = paid_intent(c)
    params: Any = {"payment_intent": intent, "amount": 1000, "metadata": {"refund_id": unique_id}}
    key = f"refund-create-{unique_id}"
    first = c.v1.refunds.create(params=params, options={"idempotency_key": key})
    response = httpx.post(
        f"{stripe_api_base}/v1/refunds",
        data={"payment_intent": intent, "amount": "1000", "metadata[refund_id]": unique_id},
        headers={"Authorization": f"Bearer {TEST_KEY}", "Idempotency-Key": key},
    )
    assert response.status_code == 200
    assert response.headers["Idempotent-Replayed"] == "true"
    assert response.json()["id"] == first.id
    assert [r.id for r in refunds_of(c, intent)] == [first.id]
    # A refund without a key is a new request, as on Stripe.
    second = c.v1.refunds.create(params={"payment_intent": intent, "amount": 500})
    assert {r.id for r in refunds_of(c, intent)} == {first.id, second.id}


def test_a_request_refused_before_it_ran_is_not_remembered(
    stripe_api_base: str, unique_id: str
) -> None:
    c = client(stripe_api_base)
    key = f"refund-{unique_id}"
    with pytest.raises(InvalidRequestError):
        c.v1.refunds.create(params={"payment_intent": "pi_nope"}, options={"idempotency_key": key})
    # Nothing ran, so nothing was kept under the key: it is free for the real request...
    intent = paid_intent(c)
    made = c.v1.refunds.create(params={"payment_intent": intent}, options={"idempotency_key": key})
    assert made.status == "succeeded"
    # ... which, having run, now owns it.
    with pytest.raises(IdempotencyError):
        c.v1.refunds.create(
            params={"payment_intent": intent, "amount": 100}, options={"idempotency_key": key}
        )


# --- faults in front of the API -------------------------------------------------------------


def arm(stripe_api_base: str, name: str, **fields: Any) -> None:
    response = httpx.post(
        f"{stripe_api_base}/_config/faults/{name}", data={k: str(v) for k, v in fields.items()}
    )
    response.raise_for_status()


def hits(stripe_api_base: str, name: str) -> int:
    response = httpx.get(f"{stripe_api_base}/_config/faults/{name}")
    return int(response.json()["hits"]) if response.status_code == 200 else -1


def test_an_injected_error_applies_to_matching_requests_only_and_is_not_remembered(
    stripe_api_base: str, unique_id: str
) -> None:
    c = client(stripe_api_base, max_network_retries=0)
    arm(
        stripe_api_base,
        unique_id,
        path="/v1/payment_intents",
        match=unique_id,
        status=500,
        error_type="api_error",
        message="Stripe is having a bad day",
        times=1,
    )
    params: Any = {"amount": 1500, "currency": "eur", "metadata": {"offering_id": unique_id}}
    key = f"pi-{unique_id}"
    # Someone else's request passes untouched.
    c.v1.payment_intents.create(params={"amount": 1500, "currency": "eur"})
    with pytest.raises(APIError) as failed:
        c.v1.payment_intents.create(params=params, options={"idempotency_key": key})
    assert failed.value.http_status == 500
    assert hits(stripe_api_base, unique_id) == -1  # `times` used up: disarmed
    made = c.v1.payment_intents.create(params=params, options={"idempotency_key": key})
    assert made.amount == 1500

    arm(
        stripe_api_base,
        unique_id,
        path="/v1/payment_intents",
        match=unique_id,
        status=400,
        error_type="invalid_request_error",
        message="Amount must be at least 50 cents",
    )
    with pytest.raises(InvalidRequestError, match="at least 50 cents"):
        c.v1.payment_intents.create(params=params)
    assert hits(stripe_api_base, unique_id) == 1
    assert httpx.delete(f"{stripe_api_base}/_config/faults/{unique_id}").status_code == 204
    c.v1.payment_intents.create(params=params)


def test_an_answer_held_back_times_the_caller_out_though_stripe_did_the_work(
    stripe_api_base: str, unique_id: str
) -> None:
    slow = client(
        stripe_api_base,
        max_network_retries=0,
        http_client=HTTPXClient(timeout=1, allow_sync_methods=True),
    )
    c = client(stripe_api_base)
    intent = paid_intent(c)
    arm(stripe_api_base, unique_id, path="/v1/refunds", match=intent, hang_s=3)
    key = f"refund-{unique_id}"
    with pytest.raises(APIConnectionError):
        slow.v1.refunds.create(params={"payment_intent": intent}, options={"idempotency_key": key})
    assert len(refunds_of(c, intent)) == 1  # made, though the caller never heard
    httpx.delete(f"{stripe_api_base}/_config/faults/{unique_id}")
    again = c.v1.refunds.create(params={"payment_intent": intent}, options={"idempotency_key": key})
    assert [r.id for r in refunds_of(c, intent)] == [again.id]


# --- refunds that end later -----------------------------------------------------------------


@pytest.fixture
async def refund_events(stripe_api_base: str, unique_id: str) -> Any:
    """A webhook endpoint of this test's own: the refund events the stand-in sends."""
    received: list[dict[str, Any]] = []

    async def receive(request: web.Request) -> web.Response:
        event = json.loads(await request.read())
        if event["type"].startswith("refund."):
            received.append(event)
        return web.json_response({})

    webhook_app = web.Application()
    webhook_app.router.add_post("/hook", receive)
    runner = web.AppRunner(webhook_app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    async with httpx.AsyncClient() as http:
        registered = await http.post(
            f"{stripe_api_base}/_config/webhooks/{unique_id}",
            data={"url": f"http://127.0.0.1:{port}/hook", "secret": "whsec_test"},
        )
        registered.raise_for_status()
    yield received
    async with httpx.AsyncClient() as http:
        await http.delete(f"{stripe_api_base}/_config/webhooks/{unique_id}")
    await runner.cleanup()


def events_of(received: list[dict[str, Any]], refund_id: str) -> list[tuple[str, str]]:
    return [
        (e["type"], e["data"]["object"]["status"])
        for e in received
        if e["data"]["object"]["id"] == refund_id
    ]


async def test_stripes_async_refund_cards_end_as_stripe_documents(
    stripe_api_base: str, refund_events: list[dict[str, Any]]
) -> None:
    c = client(stripe_api_base)
    later_ok = c.v1.refunds.create(params={"payment_intent": paid_intent(c, "4000000000007726")})
    later_failed = c.v1.refunds.create(
        params={"payment_intent": paid_intent(c, "4000000000005126")}
    )
    assert later_ok.status == "pending"
    assert later_failed.status == "succeeded"
    await wait_until(
        lambda: (
            # Each webhook is posted on its own: the two of one change may swap places.
            sorted(events_of(refund_events, later_failed.id))
            == [("refund.failed", "failed"), ("refund.updated", "failed")]
            and events_of(refund_events, later_ok.id) == [("refund.updated", "succeeded")]
        ),
        timeout=20,
        message="the stand-in never ended the refunds",
    )
    failed = c.v1.refunds.retrieve(later_failed.id)
    assert failed.status == "failed"
    assert failed.failure_reason == "expired_or_canceled_card"
    assert c.v1.refunds.retrieve(later_ok.id).status == "succeeded"
    charge = c.v1.charges.retrieve(str(failed.charge))
    assert charge.amount_refunded == 0  # a failed refund gave nothing back


async def test_a_test_says_how_an_intents_refunds_go_and_when_they_end(
    stripe_api_base: str, refund_events: list[dict[str, Any]]
) -> None:
    c = client(stripe_api_base)
    intent = paid_intent(c)
    async with httpx.AsyncClient() as http:
        told = await http.post(
            f"{stripe_api_base}/_config/refund_outcomes/{intent}", data={"first": "pending"}
        )
        told.raise_for_status()
        refund = c.v1.refunds.create(params={"payment_intent": intent})
        assert refund.status == "pending"
        ended = await http.post(
            f"{stripe_api_base}/_config/refunds/{refund.id}/outcome",
            data={"status": "failed", "failure_reason": "lost_or_stolen_card"},
        )
    assert ended.status_code == 200, ended.text
    await wait_until(
        lambda: ("refund.failed", "failed") in events_of(refund_events, refund.id),
        timeout=20,
        message="no refund.failed webhook",
    )
    assert c.v1.refunds.retrieve(refund.id).failure_reason == "lost_or_stolen_card"
    other = c.v1.refunds.create(params={"payment_intent": paid_intent(c)})
    assert other.status == "succeeded"  # only that intent's refunds were told to wait


def test_unknown_refunds_and_statuses_are_refused(stripe_api_base: str) -> None:
    missing = httpx.post(
        f"{stripe_api_base}/_config/refunds/re_{uuid.uuid4().hex}/outcome",
        data={"status": "failed"},
    )
    assert missing.status_code == 404
    bad = httpx.post(f"{stripe_api_base}/_config/refund_outcomes/pi_x", data={"first": "failed"})
    assert bad.status_code == 400
