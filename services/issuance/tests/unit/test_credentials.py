"""Issued credentials: schema-valid, tamper-evident, safe JSON-LD, rotation, expiry."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

import pytest
from issuance.credentials import ob3, signing
from issuance.credentials.ob3 import identity_hash
from issuance.credentials.schema import schema_errors
from issuance.credentials.verification import verify_credential


def _verify(issuer: Any, credential: dict[str, Any], now: datetime) -> Any:
    return verify_credential(
        credential,
        resolve_did=issuer.resolve_did,
        fetch_status_list=issuer.fetch_status_list,
        now=now,
    )


def test_issued_credential_is_valid(issuer: Any, credential: dict[str, Any], now: datetime) -> None:
    result = _verify(issuer, credential, now)
    assert result.valid, result.as_dict()
    assert result.status == "valid"
    assert [c.name for c in result.checks] == [
        "structure",
        "schema",
        "issuer_key",
        "signature",
        "dates",
        "status",
    ]


def test_issued_credential_shape(credential: dict[str, Any]) -> None:
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"]["type"] == ["Profile"]
    assert credential["issuer"]["image"] == {
        "id": "https://acme.example/logo.png",
        "type": "Image",
    }
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    [identifier] = subject["identifier"]
    assert identifier["identityHash"] == identity_hash("learner@example.com", "s4lt")
    assert identifier["identityHash"].startswith("sha256$")
    assert (
        subject["result"][0]["resultDescription"]
        == (subject["achievement"]["resultDescription"][0]["id"])
    )
    [proof] = credential["proof"]
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofValue"].startswith("z")


def test_issued_credentials_pass_the_official_schema(issuer: Any) -> None:
    minimal = issuer.issue(
        recipient=ob3.Recipient(id="did:example:learner"),
        evidence=[],
        score=None,
        valid_until=None,
        credential_status=None,
    )
    assert schema_errors(minimal) == []
    assert schema_errors(issuer.issue()) == []


def test_schema_reports_errors(credential: dict[str, Any]) -> None:
    broken = copy.deepcopy(credential)
    broken["type"] = "VerifiableCredential"
    del broken["validFrom"]
    errors = schema_errors(broken)
    assert any("validFrom" in e for e in errors)
    assert len(errors) >= 2


def _flip(proof: dict[str, Any]) -> str:
    value: str = proof["proofValue"]
    return value[:-3] + ("111" if not value.endswith("111") else "222")


TAMPERS = {
    "name": lambda c: c.__setitem__("name", "Python 201"),
    "validFrom": lambda c: c.__setitem__("validFrom", "2020-01-01T00:00:00Z"),
    "validUntil": lambda c: c.__setitem__("validUntil", "2099-01-01T00:00:00Z"),
    "id": lambda c: c.__setitem__("id", "urn:uuid:00000000-0000-0000-0000-000000000000"),
    "issuer name": lambda c: c["issuer"].__setitem__("name", "Evil Academy"),
    "subject identity": lambda c: c["credentialSubject"]["identifier"][0].__setitem__(
        "identityHash", "sha256$" + "0" * 64
    ),
    "subject id": lambda c: c["credentialSubject"].__setitem__("id", "did:example:mallory"),
    "achievement name": lambda c: c["credentialSubject"]["achievement"].__setitem__(
        "name", "Python Expert"
    ),
    "score": lambda c: c["credentialSubject"]["result"][0].__setitem__("value", "100"),
    "evidence": lambda c: c["evidence"][0].__setitem__("narrative", "Did nothing."),
    "status index": lambda c: c["credentialStatus"].__setitem__("statusListIndex", "7"),
    "proof created": lambda c: c["proof"][0].__setitem__("created", "2025-01-01T00:00:00Z"),
    "proof value": lambda c: c["proof"][0].__setitem__("proofValue", _flip(c["proof"][0])),
    "proof method": lambda c: c["proof"][0].__setitem__(
        "verificationMethod", c["proof"][0]["verificationMethod"] + "x"
    ),
}


@pytest.mark.parametrize("field", list(TAMPERS))
def test_tampering_breaks_the_signature(
    issuer: Any, credential: dict[str, Any], now: datetime, field: str
) -> None:
    tampered = copy.deepcopy(credential)
    TAMPERS[field](tampered)
    result = _verify(issuer, tampered, now)
    assert not result.valid
    assert result.status == "invalid"
    signature = result.check("signature")
    assert signature is not None
    assert not signature.passed


def test_undefined_term_is_refused_at_issue_time(issuer: Any, credential: dict[str, Any]) -> None:
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    unsigned["credentialSubject"] = {**unsigned["credentialSubject"], "grade": "A+"}
    with pytest.raises(signing.ProofError, match="grade"):
        signing.sign(unsigned, issuer.keys["key-1"], issuer.method())


def test_undefined_type_is_refused_at_issue_time(issuer: Any, credential: dict[str, Any]) -> None:
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    unsigned["type"] = [*unsigned["type"], "SuperBadge"]
    with pytest.raises(signing.ProofError, match="SuperBadge"):
        signing.sign(unsigned, issuer.keys["key-1"], issuer.method())


def test_unknown_context_is_refused(issuer: Any, credential: dict[str, Any]) -> None:
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    unsigned["@context"] = [*unsigned["@context"], "https://evil.example/context.json"]
    with pytest.raises(signing.ProofError, match="JSON-LD"):
        signing.sign(unsigned, issuer.keys["key-1"], issuer.method())


def test_added_undefined_term_fails_verification(
    issuer: Any, credential: dict[str, Any], now: datetime
) -> None:
    # JSON-LD would drop the term, so the signature would still match: only the
    # safe-mode check catches the unsigned claim.
    credential["credentialSubject"]["grade"] = "A+"
    result = _verify(issuer, credential, now)
    assert not result.valid
    signature = result.check("signature")
    assert signature is not None
    assert "grade" in signature.detail


def test_expired_credential_is_reported_expired(
    issuer: Any, credential: dict[str, Any], now: datetime
) -> None:
    result = _verify(issuer, credential, now + timedelta(days=366))
    assert not result.valid
    assert result.status == "expired"


def test_not_yet_valid_credential_is_invalid(
    issuer: Any, credential: dict[str, Any], now: datetime
) -> None:
    result = _verify(issuer, credential, now - timedelta(days=2))
    assert result.status == "invalid"


def test_revoked_credential_is_reported_revoked(
    issuer: Any, credential: dict[str, Any], now: datetime
) -> None:
    index = int(credential["credentialStatus"]["statusListIndex"])
    issuer.revoke(index)
    result = _verify(issuer, credential, now)
    assert not result.valid
    assert result.status == "revoked"
    issuer.status.set(index, False)
    issuer.publish()
    assert _verify(issuer, credential, now).status == "valid"


def test_forged_status_list_is_not_trusted(
    issuer: Any, credential: dict[str, Any], now: datetime
) -> None:
    import json

    forged = json.loads(issuer.web[issuer.list_url])
    forged["credentialSubject"]["encodedList"] = (
        "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
    )
    issuer.web[issuer.list_url] = json.dumps(forged).encode()
    result = _verify(issuer, credential, now)
    assert result.status == "invalid"


def test_key_rotation_keeps_old_credentials_valid(issuer: Any, now: datetime) -> None:
    old = issuer.issue()
    issuer.rotate("key-2")
    new = issuer.issue()
    assert old["proof"][0]["verificationMethod"].endswith("#key-1")
    assert new["proof"][0]["verificationMethod"].endswith("#key-2")
    assert _verify(issuer, old, now).valid
    assert _verify(issuer, new, now).valid


def test_key_not_in_did_document_is_rejected(issuer: Any, now: datetime) -> None:
    from issuance.credentials.keys import generate_private_key

    rogue = generate_private_key()
    unsigned = {k: v for k, v in issuer.issue().items() if k != "proof"}
    forged = signing.sign(unsigned, rogue, issuer.method("key-9"))
    result = _verify(issuer, forged, now)
    assert result.status == "invalid"
    key_check = result.check("issuer_key")
    assert key_check is not None
    assert not key_check.passed


def test_foreign_issuer_key_is_rejected(issuer: Any, now: datetime) -> None:
    unsigned = {k: v for k, v in issuer.issue().items() if k != "proof"}
    other = "did:web:evil.example:issuers:x#key-1"
    forged = signing.sign(unsigned, issuer.keys["key-1"], other)
    result = _verify(issuer, forged, now)
    assert result.status == "invalid"


def test_relative_identifier_is_refused_at_issue_time(
    issuer: Any, credential: dict[str, Any]
) -> None:
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    unsigned["id"] = "credential-1234"
    with pytest.raises(signing.ProofError, match="credential-1234"):
        signing.sign(unsigned, issuer.keys["key-1"], issuer.method())
