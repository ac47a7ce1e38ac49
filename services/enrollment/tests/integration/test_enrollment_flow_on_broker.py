"""The service on the real broker and database: purchase to credential, and refusals."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from credmarket_events.catalog import OfferingRetiredV1, OfferingUpdatedV1
from credmarket_events.enrollment import (
    EnrollmentActivatedV1,
    EnrollmentCancelledV1,
    EnrollmentCompletedV1,
    EnrollmentRequestedV1,
    EnrollmentRevokedV1,
    RefundReason,
    RefundRequestedV1,
)
from credmarket_events.issuance import CredentialIssuedV1
from credmarket_events.payments import (
    PaymentFailedV1,
    PaymentInitiatedV1,
    PaymentRefundedV1,
    PaymentSucceededV1,
)
from credmarket_events.testing import make_event
from credmarket_events.values import Money
from credmarket_testing.wait import wait_until
from enrollment_harness import (
    Running,
    enrollment_events,
    idem,
    produce,
    publish_offering,
    running_app,
    settings_for,
    token,
    wait_for_head,
    wait_for_status,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def svc(database_url: str, topic_prefix: str, kafka_bootstrap: str) -> Any:
    async with running_app(settings_for(database_url, topic_prefix, kafka_bootstrap)) as r:
        yield r


async def buy(r: Running, learner: uuid.UUID, offering_id: uuid.UUID, version: int = 1) -> Any:
    return await r.client.post(
        "/v1/enrollments",
        json={"offering_id": str(offering_id), "offering_version": version},
        headers={**token("learner", learner), **idem()},
    )


async def test_paid_purchase_to_credential_and_refund(svc: Running) -> None:
    r = svc
    provider = uuid.uuid4()
    learner = uuid.uuid4()
    offering = await publish_offering(r, price=4900, provider_id=provider)

    resp = await buy(r, learner, offering.offering_id)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    eid = body["id"]
    assert resp.headers["location"] == f"/v1/enrollments/{eid}"
    assert body["status"] == "pending_payment"
    assert body["price"] == body["quoted_price"] == {"amount": 4900, "currency": "EUR"}
    assert body["payment_deadline"] is not None
    # The answer says what comes next: payments has no PaymentIntent for it yet.
    assert body["next_action"]["type"] == "wait_for_payment_intent"
    assert body["next_action"]["events_url"] == f"/v1/enrollments/{eid}/events"
    assert body["next_action"]["client_secret"] is None

    (requested,) = await enrollment_events(r, 1)
    assert isinstance(requested.data, EnrollmentRequestedV1)
    assert str(requested.data.enrollment_id) == eid
    assert requested.data.learner_email == "ada@example.org"
    assert requested.data.quoted_price == Money(amount=4900, currency="EUR")
    assert requested.data.provider_id == provider

    # Payments announces the intent, then an attempt fails: still payable, reason shown.
    pid = uuid.uuid4()
    initiated = make_event(PaymentInitiatedV1, payment_id=pid, enrollment_id=uuid.UUID(eid))
    failed = make_event(
        PaymentFailedV1, payment_id=pid, enrollment_id=uuid.UUID(eid), reason="Card declined."
    )
    await produce(r.settings.kafka_bootstrap, r.settings.topic_prefix, initiated, failed)
    learner_h = token("learner", learner)

    async def shows_error() -> bool:
        got = (await r.client.get(f"/v1/enrollments/{eid}", headers=learner_h)).json()
        return bool(got["payment"]["last_error"])

    await wait_until(shows_error, timeout=30, message="payment error shown")
    got = (await r.client.get(f"/v1/enrollments/{eid}", headers=learner_h)).json()
    assert got["status"] == "pending_payment"
    assert got["payment"]["client_secret"] == initiated.client_secret
    assert got["payment"]["stripe_payment_intent_id"] == initiated.stripe_payment_intent_id
    assert got["payment"]["last_error"]["reason"] == "Card declined."
    assert got["next_action"]["type"] == "confirm_payment"
    assert got["next_action"]["client_secret"] == initiated.client_secret
    assert got["next_action"]["stripe_config_url"] == "/payments/v1/config"

    succeeded = make_event(
        PaymentSucceededV1,
        payment_id=pid,
        enrollment_id=uuid.UUID(eid),
        stripe_payment_intent_id=initiated.stripe_payment_intent_id,
    )
    await produce(r.settings.kafka_bootstrap, r.settings.topic_prefix, succeeded)
    active = await wait_for_status(r, eid, "active", learner_h)
    assert active["payment"]["last_error"] is None
    assert active["payment"]["client_secret"] is None  # nothing left to pay
    assert active["next_action"]["type"] == "wait_for_completion"

    done = await r.client.post(
        f"/v1/enrollments/{eid}/completion",
        json={"passed": True, "score": 91.5, "evidence_url": "https://evidence.example/x"},
        headers=token("provider", provider),
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"

    credential = make_event(CredentialIssuedV1, enrollment_id=uuid.UUID(eid), learner_id=learner)
    await produce(r.settings.kafka_bootstrap, r.settings.topic_prefix, credential)

    async def linked() -> bool:
        got = (await r.client.get(f"/v1/enrollments/{eid}", headers=learner_h)).json()
        return got["credential"] is not None

    await wait_until(linked, timeout=30, message="credential linked")
    got = (await r.client.get(f"/v1/enrollments/{eid}", headers=learner_h)).json()
    assert got["credential"]["credential_id"] == str(credential.credential_id)
    assert got["credential"]["public_url"] == credential.public_url

    refund = make_event(PaymentRefundedV1, payment_id=pid, enrollment_id=uuid.UUID(eid), full=True)
    await produce(r.settings.kafka_bootstrap, r.settings.topic_prefix, refund)
    revoked = await wait_for_status(r, eid, "revoked", learner_h)
    assert revoked["revoke_reason"] == "refunded"

    events = await enrollment_events(r, 4)
    assert [type(e.data) for e in events] == [
        EnrollmentRequestedV1,
        EnrollmentActivatedV1,
        EnrollmentCompletedV1,
        EnrollmentRevokedV1,
    ]
    activated, completed = events[1].data, events[2].data
    assert activated.via == "payment"
    assert activated.payment_id == pid
    # The activation is caused by the payment event and carries its correlation.
    assert events[1].causation_id is not None
    assert completed.achievement == offering.achievement
    assert completed.learner_email == "ada@example.org"
    assert completed.learner_name == "Ada L."
    assert completed.result.passed is True
    assert completed.result.score == 91.5


async def test_free_offering_is_active_at_once(svc: Running) -> None:
    offering = await publish_offering(svc, price=0)
    resp = await buy(svc, uuid.uuid4(), offering.offering_id)
    assert resp.status_code == 201, resp.text
    assert resp.json()["status"] == "active"
    assert resp.json()["payment_deadline"] is None
    (activated,) = await enrollment_events(svc, 1)
    assert isinstance(activated.data, EnrollmentActivatedV1)
    assert activated.data.via == "free"


async def test_one_live_enrollment_per_learner_and_offering(svc: Running) -> None:
    offering = await publish_offering(svc)
    learner = uuid.uuid4()
    first = await buy(svc, learner, offering.offering_id)
    assert first.status_code == 201
    second = await buy(svc, learner, offering.offering_id)
    assert second.status_code == 409
    assert second.headers["content-type"] == "application/problem+json"
    assert second.json()["enrollment_id"] == first.json()["id"]
    assert second.headers["location"] == f"/v1/enrollments/{first.json()['id']}"
    # After cancelling, buying again is allowed.
    cancelled = await svc.client.post(
        f"/v1/enrollments/{first.json()['id']}/cancel", headers=token("learner", learner)
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    again = await buy(svc, learner, offering.offering_id)
    assert again.status_code == 201


async def test_a_retried_purchase_gets_the_first_answer(svc: Running) -> None:
    offering = await publish_offering(svc)
    learner = uuid.uuid4()
    headers = {**token("learner", learner), **idem()}
    payload = {"offering_id": str(offering.offering_id), "offering_version": 1}
    first = await svc.client.post("/v1/enrollments", json=payload, headers=headers)
    retry = await svc.client.post("/v1/enrollments", json=payload, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]
    assert retry.headers.get("idempotent-replayed") == "true"
    missing = await svc.client.post(
        "/v1/enrollments", json=payload, headers=token("learner", learner)
    )
    assert missing.status_code == 400


async def test_unknown_retired_and_outdated_offerings_are_refused(svc: Running) -> None:
    learner = uuid.uuid4()
    unknown = await buy(svc, learner, uuid.uuid4())
    assert unknown.status_code == 404
    assert unknown.json()["title"] == "Offering not found"

    offering = await publish_offering(svc, price=4900)
    update = make_event(
        OfferingUpdatedV1,
        offering_id=offering.offering_id,
        provider_id=offering.provider_id,
        version=2,
        price=Money(amount=5900, currency="EUR"),
    )
    await produce(svc.settings.kafka_bootstrap, svc.settings.topic_prefix, update)
    await wait_for_head(svc, offering.offering_id, 2)
    outdated = await buy(svc, learner, offering.offering_id, version=1)
    assert outdated.status_code == 409
    assert outdated.json()["current_version"] == 2
    assert outdated.json()["current_price"] == {"amount": 5900, "currency": "EUR"}
    ahead = await buy(svc, learner, offering.offering_id, version=3)
    assert ahead.status_code == 409
    assert ahead.headers["retry-after"] == "2"

    retire = make_event(
        OfferingRetiredV1,
        offering_id=offering.offering_id,
        provider_id=offering.provider_id,
        version=2,
    )
    await produce(svc.settings.kafka_bootstrap, svc.settings.topic_prefix, retire)
    await wait_for_head(svc, offering.offering_id, 2, status="retired")
    retired = await buy(svc, learner, offering.offering_id, version=2)
    assert retired.status_code == 409
    assert retired.json()["title"] == "Offering retired"


async def test_a_failed_result_keeps_the_enrollment_active(svc: Running) -> None:
    provider = uuid.uuid4()
    offering = await publish_offering(svc, price=0, provider_id=provider)
    eid = (await buy(svc, uuid.uuid4(), offering.offering_id)).json()["id"]
    failed = await svc.client.post(
        f"/v1/enrollments/{eid}/completion",
        json={"passed": False, "score": 40},
        headers=token("provider", provider),
    )
    assert failed.status_code == 200
    assert failed.json()["status"] == "active"
    assert failed.json()["result"]["passed"] is False
    passed = await svc.client.post(
        f"/v1/enrollments/{eid}/completion",
        json={"passed": True},
        headers=token("provider", provider),
    )
    assert passed.json()["status"] == "completed"
    again = await svc.client.post(
        f"/v1/enrollments/{eid}/completion",
        json={"passed": True},
        headers=token("provider", provider),
    )
    assert again.status_code == 409
    assert again.json()["status_now"] == "completed"


async def test_the_deadline_sweep_cancels_and_emits_cancelled(
    database_url: str, topic_prefix: str, kafka_bootstrap: str
) -> None:
    settings = settings_for(
        database_url, topic_prefix, kafka_bootstrap, payment_window_s=1.0, sweep_interval_s=0.2
    )
    async with running_app(settings) as r:
        offering = await publish_offering(r)
        learner = uuid.uuid4()
        eid = (await buy(r, learner, offering.offering_id)).json()["id"]
        got = await wait_for_status(r, eid, "cancelled", token("learner", learner))
        assert got["cancel_reason"] == "payment_deadline_passed"
        requested, cancelled = await enrollment_events(r, 2)
        assert isinstance(requested.data, EnrollmentRequestedV1)
        assert isinstance(cancelled.data, EnrollmentCancelledV1)
        assert str(cancelled.data.enrollment_id) == eid
        assert cancelled.data.reason.value == "payment_deadline_passed"


async def test_payment_after_the_learner_cancelled_asks_payments_for_a_refund(
    svc: Running,
) -> None:
    r = svc
    learner = uuid.uuid4()
    learner_h = token("learner", learner)
    offering = await publish_offering(r, price=2500)
    eid = (await buy(r, learner, offering.offering_id)).json()["id"]
    pid = uuid.uuid4()
    initiated = make_event(PaymentInitiatedV1, payment_id=pid, enrollment_id=uuid.UUID(eid))
    await produce(r.settings.kafka_bootstrap, r.settings.topic_prefix, initiated)

    async def intent_known() -> bool:
        got = (await r.client.get(f"/v1/enrollments/{eid}", headers=learner_h)).json()
        return bool(got["payment"]["stripe_payment_intent_id"])

    await wait_until(intent_known, timeout=30, message="payment initiated recorded")
    cancelled = await r.client.post(f"/v1/enrollments/{eid}/cancel", headers=learner_h)
    assert cancelled.status_code == 200, cancelled.text

    # The card was confirmed in another tab just before: the money arrives anyway.
    succeeded = make_event(
        PaymentSucceededV1,
        payment_id=pid,
        enrollment_id=uuid.UUID(eid),
        stripe_payment_intent_id=initiated.stripe_payment_intent_id,
    )
    [paid] = await produce(r.settings.kafka_bootstrap, r.settings.topic_prefix, succeeded)
    _, _, asked = await enrollment_events(r, 3)
    assert isinstance(asked.data, RefundRequestedV1)
    assert asked.data.enrollment_id == uuid.UUID(eid)
    assert asked.data.payment_id == pid
    assert asked.data.amount == Money(amount=2500, currency="EUR")
    assert asked.data.reason is RefundReason.ENROLLMENT_CANCELLED_BEFORE_PAYMENT
    assert asked.causation_id == paid.id  # traceable to the payment that caused it
    flagged = (await r.client.get(f"/v1/enrollments/{eid}", headers=learner_h)).json()
    assert flagged["status"] == "cancelled"
    assert flagged["payment"]["needs_refund"] is True

    refunded = make_event(
        PaymentRefundedV1,
        payment_id=pid,
        enrollment_id=uuid.UUID(eid),
        amount_refunded=Money(amount=2500, currency="EUR"),
        total_refunded=Money(amount=2500, currency="EUR"),
        full=True,
    )
    await produce(r.settings.kafka_bootstrap, r.settings.topic_prefix, refunded)

    async def settled() -> bool:
        got = (await r.client.get(f"/v1/enrollments/{eid}", headers=learner_h)).json()
        return got["payment"]["needs_refund"] is False

    await wait_until(settled, timeout=30, message="needs_refund cleared")
    got = (await r.client.get(f"/v1/enrollments/{eid}", headers=learner_h)).json()
    assert got["status"] == "cancelled"
    assert got["revoked_at"] is None
