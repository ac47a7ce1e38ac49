"""Issuance on the real broker and database: events in, credentials and events out."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from credmarket_events.catalog import ProviderRegisteredV1
from credmarket_events.enrollment import (
    CompletionResult,
    EnrollmentCompletedV1,
    EnrollmentRevokedV1,
)
from credmarket_events.envelope import KafkaMessage
from credmarket_events.issuance import CredentialIssuedV1, CredentialRevokedV1
from credmarket_events.testing import assert_valid_event, make_event
from credmarket_events.topics import CREDENTIALS, dead_letter_topic
from credmarket_platform.db.tables import outbox
from credmarket_platform.messaging.inbox import inbox_has
from credmarket_platform.messaging.metrics import EVENTS_FAILED
from credmarket_testing.kafka import consume_all
from credmarket_testing.wait import wait_until
from issuance.db import repository
from issuance.db.tables import Credential

if TYPE_CHECKING:
    from conftest import Harness, StartIssuance

pytestmark = pytest.mark.integration


async def register_provider(h: Harness, name: str = "Acme <Academy>") -> uuid.UUID:
    event = make_event(ProviderRegisteredV1, name=name, website="https://acme.example")
    await h.produce(event)
    await wait_until(
        lambda: _status(h, f"/issuers/{event.provider_id}/did.json", 200),
        timeout=30,
        message="issuer never appeared",
    )
    return event.provider_id


async def _status(h: Harness, path: str, expected: int) -> bool:
    return (await h.client.get(path)).status_code == expected


def completion(provider_id: uuid.UUID, **changes: Any) -> EnrollmentCompletedV1:
    fields: dict[str, Any] = {
        "learner_name": "Ada <b>Lovelace</b>",
        "result": CompletionResult(passed=True, score=92.5),
        **changes,
    }
    return make_event(EnrollmentCompletedV1, provider_id=provider_id, **fields)


async def credential_of(h: Harness, enrollment_id: uuid.UUID) -> Credential | None:
    async with h.db.unit_of_work() as uow:
        credential = await repository.credential_for_enrollment(uow.session, enrollment_id)
        if credential is not None:
            uow.session.expunge(credential)  # readable after the read-only transaction ends
        return credential


async def issued(h: Harness, enrollment_id: uuid.UUID) -> Credential:
    await wait_until(
        lambda: _has_credential(h, enrollment_id), timeout=30, message="no credential issued"
    )
    credential = await credential_of(h, enrollment_id)
    assert credential is not None
    return credential


async def _has_credential(h: Harness, enrollment_id: uuid.UUID) -> bool:
    return await credential_of(h, enrollment_id) is not None


async def credential_events(h: Harness, count: int) -> list[KafkaMessage]:
    topic = h.settings.topic(CREDENTIALS.name)
    records = await consume_all(h.settings.kafka_bootstrap, topic, count, timeout=30)
    return [
        KafkaMessage(CREDENTIALS.name, r.key, r.value, list(r.headers))
        for r in sorted(records, key=lambda r: r.timestamp)
    ]


async def verify(h: Harness, document: dict[str, Any]) -> dict[str, Any]:
    response = await h.client.post("/v1/verify", json=document)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def test_completion_issues_a_credential_that_verifies(harness: Harness) -> None:
    h = harness
    provider_id = await register_provider(h)
    event = completion(provider_id)
    await h.produce(event)

    (message,) = await credential_events(h, 1)
    envelope = assert_valid_event(message, CredentialIssuedV1)
    data = envelope.data
    assert data.enrollment_id == event.enrollment_id
    assert data.learner_id == event.learner_id
    assert data.issuer_id == provider_id
    assert data.public_url == f"{h.settings.public_base_url}/credentials/{data.credential_id}/share"

    response = await h.client.get(f"/credentials/{data.credential_id}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vc+ld+json")
    document = response.json()
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["issuer"]["id"] == f"did:web:issuance.test:issuers:{provider_id}"
    assert document["credentialSubject"]["achievement"]["name"] == event.achievement.name

    report = await verify(h, document)
    assert report["valid"] is True, report
    assert report["status"] == "valid"
    assert report["issued_here"] is True
    assert {c["name"] for c in report["checks"]} >= {"signature", "issuer_key", "status", "schema"}

    page = await h.client.get(f"/credentials/{data.credential_id}/share")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in page.text
    assert "<b>Lovelace" not in page.text
    assert "Acme &lt;Academy&gt;" in page.text
    assert "Valid" in page.text

    profile = (await h.client.get(f"/issuers/{provider_id}")).json()
    assert profile["type"] == ["Profile"]
    assert profile["name"] == "Acme <Academy>"
    did = (await h.client.get(f"/issuers/{provider_id}/did.json")).json()
    assert did["assertionMethod"] == [f"{did['id']}#key-1"]
    assert did["verificationMethod"][0]["type"] == "Multikey"


async def test_tampered_and_foreign_credentials_do_not_verify(harness: Harness) -> None:
    h = harness
    provider_id = await register_provider(h)
    event = completion(provider_id)
    await h.produce(event)
    credential = await issued(h, event.enrollment_id)

    tampered = dict(credential.document)
    tampered["name"] = "Something I did not earn"
    report = await verify(h, tampered)
    assert report["valid"] is False
    assert report["status"] == "invalid"
    signature = next(c for c in report["checks"] if c["name"] == "signature")
    assert signature["passed"] is False

    foreign = dict(credential.document)
    foreign["issuer"] = {**foreign["issuer"], "id": "did:web:evil.example:issuers:x"}
    report = await verify(h, foreign)
    assert report["valid"] is False
    assert report["issued_here"] is False
    resolution = next(c for c in report["checks"] if c["name"] == "resolution")
    assert "not available" in resolution["detail"]

    garbage = await h.client.post("/v1/verify", json={"type": 1, "proof": [[], {}]})
    assert garbage.status_code == 200
    assert garbage.json()["status"] == "invalid"
    not_object = await h.client.post("/v1/verify", json=[1, 2])
    assert not_object.status_code == 422


async def test_duplicate_completions_issue_one_credential(harness: Harness) -> None:
    h = harness
    provider_id = await register_provider(h)
    event = completion(provider_id)
    first = await h.produce(event)
    await h.produce(event)  # same data, a new event id: a re-sent completion
    second_id = (await h.produce(event)).id
    await wait_until(lambda: inbox_has(h.db, h.settings.group(), second_id), timeout=30)
    assert await inbox_has(h.db, h.settings.group(), first.id)

    async with h.db.engine.connect() as conn:
        credentials = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(Credential)
            .where(Credential.enrollment_id == event.enrollment_id)  # type: ignore[arg-type]
        )
        issued_events = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(outbox)
            .where(outbox.c.event_type == CredentialIssuedV1.event_type)
        )
    assert credentials == 1
    assert issued_events == 1


async def test_enrollment_revoked_revokes_through_the_status_list(harness: Harness) -> None:
    h = harness
    provider_id = await register_provider(h)
    event = completion(provider_id)
    await h.produce(event)
    credential = await issued(h, event.enrollment_id)
    # Verified once before: nothing a verify keeps may hide the revocation below.
    assert (await verify(h, credential.document))["status"] == "valid"
    before = (
        await h.client.get(credential.document["credentialStatus"]["statusListCredential"])
    ).json()

    await h.produce(
        EnrollmentRevokedV1(
            enrollment_id=event.enrollment_id,
            learner_id=event.learner_id,
            reason="refunded",
            revoked_at=datetime.now(UTC),
        )
    )
    messages = await credential_events(h, 2)
    revoked = assert_valid_event(messages[1], CredentialRevokedV1).data
    assert revoked.credential_id == credential.id
    assert revoked.reason == "refunded"

    list_url = credential.document["credentialStatus"]["statusListCredential"]
    after = (await h.client.get(list_url)).json()
    assert after["credentialSubject"]["encodedList"] != before["credentialSubject"]["encodedList"]
    report = await verify(h, credential.document)
    assert report["status"] == "revoked"
    assert report["valid"] is False
    page = await h.client.get(f"/credentials/{credential.id}/share")
    assert "Revoked" in page.text


async def test_revocation_before_completion_prevents_issuance(harness: Harness) -> None:
    h = harness
    provider_id = await register_provider(h)
    event = completion(provider_id)
    await h.produce(
        EnrollmentRevokedV1(
            enrollment_id=event.enrollment_id,
            learner_id=event.learner_id,
            reason="refunded",
            revoked_at=datetime.now(UTC),
        )
    )
    done = await h.produce(event)
    await wait_until(lambda: inbox_has(h.db, h.settings.group(), done.id), timeout=30)
    assert await credential_of(h, event.enrollment_id) is None


async def test_failed_result_issues_nothing(harness: Harness) -> None:
    h = harness
    provider_id = await register_provider(h)
    event = completion(provider_id, result=CompletionResult(passed=False, score=12.0))
    done = await h.produce(event)
    await wait_until(lambda: inbox_has(h.db, h.settings.group(), done.id), timeout=30)
    assert await credential_of(h, event.enrollment_id) is None


async def test_completion_before_provider_is_retried_then_issued(
    start_issuance: StartIssuance,
) -> None:
    async with start_issuance(consumer_max_attempts=1000, consumer_backoff_max_s=0.2) as h:
        provider = make_event(ProviderRegisteredV1)
        event = completion(provider.provider_id)
        failures = EVENTS_FAILED.labels(h.settings.group(), EnrollmentCompletedV1.event_type)
        failed_before = failures._value.get()
        await h.produce(event)
        await wait_until(
            lambda: failures._value.get() >= failed_before + 2,
            timeout=30,
            message="the early completion was not retried",
        )
        assert await credential_of(h, event.enrollment_id) is None

        await h.produce(provider)
        credential = await issued(h, event.enrollment_id)
        assert credential.issuer_id == provider.provider_id
        report = await verify(h, credential.document)
        assert report["valid"] is True, report


async def test_completion_whose_provider_never_comes_is_dead_lettered(
    start_issuance: StartIssuance,
) -> None:
    async with start_issuance(consumer_max_attempts=2) as h:
        event = completion(uuid.uuid4())
        await h.produce(event)
        (letter,) = await consume_all(
            h.settings.kafka_bootstrap, dead_letter_topic(h.settings.group()), 1, timeout=30
        )
        headers = {k: v.decode() for k, v in letter.headers}
        assert headers["dlq_reason"] == "handler_failed"
        assert "not registered yet" in headers["dlq_error"]
        assert str(event.provider_id) in headers["dlq_error"]
        assert await credential_of(h, event.enrollment_id) is None


async def test_a_status_bit_probe_skips_the_bits_credentials_hold(harness: Harness) -> None:
    # Bits are drawn by random probes, not by reading every bit the list already holds.
    h = harness
    provider_id = await register_provider(h)
    first, second = completion(provider_id), completion(provider_id)
    await h.produce(first)
    await h.produce(second)
    held = [await issued(h, first.enrollment_id), await issued(h, second.enrollment_id)]
    list_id = held[0].status_list_id
    assert held[1].status_list_id == list_id
    taken = [c.status_index for c in held]
    assert taken[0] != taken[1]
    free = next(i for i in range(len(taken) + 1) if i not in taken)
    async with h.db.unit_of_work() as uow:
        assert await repository.first_free_index(uow.session, list_id, [*taken, free]) == free
        assert await repository.first_free_index(uow.session, list_id, taken) is None
        assert await repository.first_free_index(uow.session, list_id, [free, taken[0]]) == free
