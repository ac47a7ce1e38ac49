"""Stripe answering the way production sees it, across the whole system: a cancellation
racing a payment (its cancel and the refund it causes in one payments batch), a refund
whose answer comes too late, a refund that fails after it was pending, a PaymentIntent
Stripe refuses (4xx) and one it fails to make (5xx) until it heals."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from credmarket_events.enrollment import RefundRequestedV1
from credmarket_events.topics import dead_letter_topic
from credmarket_infra.ops.lag import consumer_lag
from credmarket_infra.ops.target import OpsTarget
from credmarket_testing.system import System
from credmarket_testing.wait import wait_until

if TYPE_CHECKING:
    from credmarket_testing.ledger import DeadLetters, Ledger
    from credmarket_testing.shop import Flow, Shop
    from credmarket_testing.stripe_faults import StripeFaults

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

T_REFUND_REQUESTED = RefundRequestedV1.event_type


async def refund_rows(system: System, payment_id: str) -> list[Any]:
    return await system.query(
        "payments",
        "SELECT id::text, status, amount, failure_reason FROM refunds"
        " WHERE payment_id = $1::uuid ORDER BY created_at",
        payment_id,
    )


async def sent(system: System, service: str, event_type: str, key: str) -> bool:
    rows = await system.query(
        service,
        "SELECT count(*) AS n FROM outbox WHERE event_type = $1 AND key = $2"
        " AND sent_at IS NOT NULL",
        event_type,
        key,
    )
    return int(rows[0]["n"]) == 1


async def payments_lag(system: System) -> Any:
    return await consumer_lag(
        OpsTarget(system.infra.kafka_bootstrap, system.topic_prefix), "payments"
    )


async def test_a_cancellation_and_a_payment_racing_into_one_payments_batch(
    system: System, shop: Shop, ledger: Ledger
) -> None:
    """The learner cancels and pays at the same time: enrollment cancels, Stripe takes
    the money, enrollment asks for it back. Payments, away meanwhile, finds the
    cancellation and the refund request for the same payment in one fetch."""
    flow = await shop.fresh_flow()
    await shop.buy(flow)
    await shop.wait_initiated(flow)
    payments = system.replicas["payments"][0]
    payments.env["CREDMARKET_RUN_CONSUMER"] = "false"  # webhooks still land; events wait
    try:
        await system.restart("payments")
        await shop.market.cancel(flow.learner_token, flow.enrollment_id)
        await shop.pay(flow)  # Stripe never heard of the cancellation: it takes the money
        view = await shop.wait(flow, "the refund request", lambda v: v["payment"]["needs_refund"])
        assert view["status"] == "cancelled"
        await wait_until(
            lambda: sent(system, "enrollment", T_REFUND_REQUESTED, flow.enrollment_id),
            timeout=30,
            message="enrollment never published its refund request",
        )
    finally:
        payments.env.pop("CREDMARKET_RUN_CONSUMER", None)
    # Both wait on the same partition: the restarted consumer fetches them together.
    await system.restart("payments")

    await shop.wait(flow, "the refund", lambda v: not v["payment"]["needs_refund"], timeout_s=60)

    async def partition_moved_on() -> bool:
        report = await payments_lag(system)
        return report.total == 0 and not report.stuck

    await wait_until(partition_moved_on, timeout=30, message="payments' partition stalled")
    # The partition goes on: the next purchase on it is served as any other.
    after = await shop.run_to_credential(await shop.fresh_flow())
    await ledger.check_cancelled_and_refunded([flow])
    await ledger.check_completed([after])


async def refund(shop: Shop, flow: Flow, key: str, amount: int | None = None) -> httpx.Response:
    return await shop.http.post(
        shop.market.routes.url("payments", f"/v1/payments/{flow.payment_id}/refunds"),
        json={} if amount is None else {"amount": amount},
        headers={"Authorization": f"Bearer {shop.ops}", "Idempotency-Key": key},
    )


async def test_a_refund_whose_stripe_call_times_out_is_retried_with_its_key_until_done(
    system: System,
    shop: Shop,
    ledger: Ledger,
    stripe_faults: StripeFaults,
    recovery_env: dict[str, str],
) -> None:
    flow = await shop.run_to_credential(await shop.fresh_flow())
    # Stripe makes the refund but answers after payments gave up waiting.
    hang_s = 2 * float(recovery_env["CREDMARKET_PAYMENTS_STRIPE_TIMEOUT_S"])
    slow = await stripe_faults.arm(path="/v1/refunds", match=flow.payment_id, hang_s=hang_s)
    key = f"refund-{uuid.uuid4()}"
    for _ in range(2):
        answer = await refund(shop, flow, key, amount=1000)
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"]
    assert await stripe_faults.hits(slow) >= 2
    await stripe_faults.disarm(slow)
    done = await refund(shop, flow, key, amount=1000)
    assert done.status_code == 201, done.text
    assert done.json()["status"] == "succeeded"
    again = await refund(shop, flow, key, amount=1000)
    assert again.json() == done.json()

    view = await shop.wait(flow, "the refund's effect", lambda v: v["status"] == "completed")
    assert view["credential"]["revoked_at"] is None  # a partial refund takes nothing back
    await ledger.check_completed([flow], refunded={flow.enrollment_id: 1000})


async def test_a_refund_that_fails_after_pending_costs_the_ledger_nothing_and_ops_see_it(
    system: System, shop: Shop, ledger: Ledger
) -> None:
    flow = await shop.run_to_credential(await shop.fresh_flow())
    stripe = system.stripe_api_base
    told = await shop.http.post(
        f"{stripe}/_config/refund_outcomes/{flow.intent_id}", data={"first": "pending"}
    )
    told.raise_for_status()
    made = await refund(shop, flow, f"refund-{uuid.uuid4()}")
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "pending"
    # Not final: nothing is revoked while the money is on its way.
    view = await shop.market.enrollment(flow.learner_token, flow.enrollment_id)
    assert view["status"] == "completed"
    assert view["credential"]["revoked_at"] is None

    ended = await shop.http.post(
        f"{stripe}/_config/refunds/{made.json()['stripe_refund_id']}/outcome",
        data={"status": "failed", "failure_reason": "lost_or_stolen_card"},
    )
    ended.raise_for_status()

    async def failed() -> bool:
        rows = await refund_rows(system, flow.payment_id)
        return [r["status"] for r in rows] == ["failed"]

    await wait_until(failed, timeout=30, message="the refund's failure never reached payments")
    # Ops see it: on the payment, and in the counter their alert watches.
    payment = await shop.http.get(
        shop.market.routes.url("payments", f"/v1/payments/{flow.payment_id}"),
        headers={"Authorization": f"Bearer {shop.ops}"},
    )
    assert payment.status_code == 200, payment.text
    assert payment.json()["amount_refunded"]["amount"] == 0
    (shown,) = payment.json()["refunds"]
    assert shown["status"] == "failed"
    assert "lost_or_stolen_card" in shown["failure_reason"]
    metrics = (await shop.http.get(f"{system.url('payments')}/metrics")).text
    counted = re.search(
        r'^credmarket_payments_refunds_not_paid_back_total\{origin="api",stage="before_success"\}'
        r" (\S+)$",
        metrics,
        re.MULTILINE,
    )
    assert counted is not None
    assert float(counted.group(1)) >= 1
    # The learner keeps what they paid for; no money moved from the ledger's view.
    await ledger.check_completed([flow])


async def test_stripe_refusing_an_intent_is_dead_lettered_at_once_and_failing_is_retried(
    system: System,
    shop: Shop,
    ledger: Ledger,
    stripe_faults: StripeFaults,
    dead_letters: DeadLetters,
    recovery_env: dict[str, str],
) -> None:
    # What used to be a record's whole budget: attempts, each Stripe's client's own tries.
    calls_per_attempt = 1 + int(recovery_env["CREDMARKET_STRIPE_MAX_NETWORK_RETRIES"])
    old_budget = calls_per_attempt * int(recovery_env["CREDMARKET_CONSUMER_MAX_ATTEMPTS"])
    refused = await shop.fresh_flow()
    await stripe_faults.arm(
        path="/v1/payment_intents",
        match=refused.offering_id,
        status=400,
        error_type="invalid_request_error",
        message="Amount must convert to at least 50 cents.",
    )
    failing = await shop.fresh_flow()
    outage = await stripe_faults.arm(
        path="/v1/payment_intents",
        match=failing.offering_id,
        status=500,
        error_type="api_error",
        message="Stripe is having a bad day.",
    )
    await shop.buy(refused)
    await shop.buy(failing)

    dlq = dead_letter_topic(system.topic_prefix + "payments")

    async def refusal() -> list[Any]:
        return [
            d
            for d in await dead_letters.read()
            if d.topic == dlq and d.key == refused.enrollment_id.encode()
        ]

    await wait_until(
        lambda: _nonempty(refusal), timeout=60, message="the 4xx was not dead-lettered"
    )
    (letter,) = await refusal()
    assert dead_letters.header(letter, "dlq_attempts") == "1"
    assert dead_letters.header(letter, "dlq_reason") == "handler_rejected"
    assert "at least 50 cents" in (dead_letters.header(letter, "dlq_error") or "")

    # The 5xx is retried past what used to be the whole budget, and shows: stuck, in
    # `credmarket-ops lag`.
    await wait_until(
        lambda: _at_least(stripe_faults.hits(outage), old_budget + 3),
        timeout=180,
        message="the failing intent was not retried",
    )

    async def shown_stuck() -> bool:
        return any(
            p.stuck and p.stuck["event_type"].endswith("enrollment.requested.v1")
            for p in (await payments_lag(system)).stuck
        )

    await wait_until(shown_stuck, timeout=30, message="`credmarket-ops lag` showed nothing stuck")
    assert not [d for d in await dead_letters.read() if d.key == failing.enrollment_id.encode()]
    await stripe_faults.disarm(outage)  # Stripe heals

    await shop.wait_initiated(failing)
    await shop.pay(failing)
    await shop.wait_active(failing)
    await shop.complete(failing)
    await shop.wait_credential(failing)
    view = await shop.market.enrollment(refused.learner_token, refused.enrollment_id)
    assert view["status"] == "pending_payment"  # waits for ops, who see the dead letter
    await ledger.check_completed([failing])


async def _nonempty(probe: Any) -> bool:
    return bool(await probe())


async def _at_least(count: Any, n: int) -> bool:
    return int(await count) >= n
