"""From a completion to a credential's content; the result is schema-valid and signable."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from issuance.credentials import ob3, signing
from issuance.credentials.keys import generate_private_key
from issuance.credentials.schema import schema_errors
from issuance.domain.credential_content import (
    Completion,
    achievement_uri,
    credential_content,
    format_score,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _completion(**changes: object) -> Completion:
    base = Completion(
        enrollment_id=uuid4(),
        offering_id=uuid4(),
        learner_email="Ada@Example.org",
        achievement_id="https://acme.example/achievements/sql",
        achievement_name="SQL Basics",
        achievement_description="Queries relational data.",
        criteria_narrative="Passed the final exam.",
        achievement_image_url="https://acme.example/sql.png",
        valid_for_days=365,
        score=87.5,
        evidence_url="https://acme.example/evidence/1",
        evidence_narrative="Final project.",
        completed_at=NOW - timedelta(hours=1),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://acme.example/a", "https://acme.example/a"),
        ("urn:example:sql", "urn:example:sql"),
        ("sql-basics", None),
        ("has space:x", None),
        ("1abc:x", None),
        (":x", None),
        ("x:", None),
    ],
)
def test_achievement_uri(given: str, expected: str | None) -> None:
    offering = uuid4()
    assert achievement_uri(given, offering) == (expected or f"urn:uuid:{offering}")


@pytest.mark.parametrize(
    ("score", "text"), [(100.0, "100"), (87.5, "87.5"), (0.0, "0"), (66.666, "66.67")]
)
def test_format_score(score: float, text: str) -> None:
    assert format_score(score) == text


def test_validity_follows_the_achievement() -> None:
    content = credential_content(_completion(), NOW)
    assert content.valid_from == NOW
    assert content.valid_until == NOW + timedelta(days=365)
    assert credential_content(_completion(valid_for_days=None), NOW).valid_until is None


def test_evidence_and_score_are_optional() -> None:
    content = credential_content(
        _completion(score=None, evidence_url=None, evidence_narrative=None), NOW
    )
    assert content.evidence == ()
    assert content.score is None
    full = credential_content(_completion(), NOW)
    assert full.evidence[0].id == "https://acme.example/evidence/1"
    assert full.score is not None
    assert full.score.value == "87.5"


def test_recipient_is_a_salted_email_hash_not_the_email() -> None:
    content = credential_content(_completion(), NOW)
    document = _build(content)
    text = str(document)
    assert "Ada@Example.org" not in text
    assert "ada@example.org" not in text
    identifier = document["credentialSubject"]["identifier"][0]
    assert identifier["identityHash"] == ob3.identity_hash("ada@example.org", identifier["salt"])


def _build(content: object) -> dict[str, Any]:
    from issuance.domain.credential_content import CredentialContent

    assert isinstance(content, CredentialContent)
    return ob3.build_open_badge_credential(
        credential_id=f"urn:uuid:{uuid4()}",
        issuer=ob3.IssuerProfile(id="did:web:acme.example:issuers:1", name="Acme"),
        achievement=content.achievement,
        recipient=content.recipient,
        valid_from=content.valid_from,
        valid_until=content.valid_until,
        evidence=content.evidence,
        score=content.score,
        activity_end=content.activity_end,
    )


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"score": None, "evidence_url": None, "evidence_narrative": None},
        {"achievement_id": "plain-id", "achievement_image_url": None, "valid_for_days": None},
        {"evidence_url": None},
    ],
)
def test_content_builds_a_schema_valid_signable_credential(changes: dict[str, object]) -> None:
    document = _build(credential_content(_completion(**changes), NOW))
    signed = ob3.sign_open_badge(
        document, generate_private_key(), "did:web:acme.example:issuers:1#key-1"
    )
    assert schema_errors(signed) == []
    assert signed["credentialSubject"]["achievement"]["achievementType"] == "Certificate"
    assert signed["proof"][0]["type"] == signing.PROOF_TYPE
