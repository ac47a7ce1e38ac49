"""Service-level rules: issuing decisions, revocation, states, key ids, profiles, URLs."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from issuance.domain.credential_state import CredentialState, state_at
from issuance.domain.issuance_decision import IssuanceFacts, Outcome, decide_issuance
from issuance.domain.issuer_profile import (
    ProviderProfile,
    ob3_profile,
    profile_document,
    should_apply,
)
from issuance.domain.public_urls import (
    credential_url,
    did_for,
    local_issuer_id,
    local_status_list_id,
    share_url,
    status_list_url,
)
from issuance.domain.revocation import (
    MAX_REASON_LENGTH,
    RevocationFacts,
    RevocationOutcome,
    decide_revocation,
    normalise_reason,
)
from issuance.domain.signing_keys import next_key_id, wrap_context

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
BASE = "http://127.0.0.1:8004"


@pytest.mark.parametrize(
    ("passed", "exists", "revoked", "issuer"), list(itertools.product([True, False], repeat=4))
)
def test_issuance_decision_is_total(
    passed: bool, exists: bool, revoked: bool, issuer: bool
) -> None:
    outcome = decide_issuance(
        IssuanceFacts(
            passed=passed,
            credential_exists=exists,
            enrollment_revoked=revoked,
            issuer_exists=issuer,
        )
    )
    if exists:
        assert outcome is Outcome.ALREADY_ISSUED
    elif not passed:
        assert outcome is Outcome.NOT_PASSED
    elif revoked:
        assert outcome is Outcome.ENROLLMENT_REVOKED
    elif not issuer:
        assert outcome is Outcome.ISSUER_UNKNOWN
    else:
        assert outcome is Outcome.ISSUE


def test_only_a_passed_fresh_enrollment_with_an_issuer_issues() -> None:
    facts = IssuanceFacts(
        passed=True, credential_exists=False, enrollment_revoked=False, issuer_exists=True
    )
    assert decide_issuance(facts) is Outcome.ISSUE


@pytest.mark.parametrize(
    ("exists", "revoked", "expected"),
    [
        (False, False, RevocationOutcome.NO_CREDENTIAL),
        (False, True, RevocationOutcome.NO_CREDENTIAL),
        (True, False, RevocationOutcome.REVOKE),
        (True, True, RevocationOutcome.ALREADY_REVOKED),
    ],
)
def test_revocation_decision(exists: bool, revoked: bool, expected: RevocationOutcome) -> None:
    facts = RevocationFacts(credential_exists=exists, already_revoked=revoked)
    assert decide_revocation(facts) is expected


def test_reason_is_trimmed_to_one_line() -> None:
    assert normalise_reason("  refunded \n by  ops ") == "refunded by ops"


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_blank_reason_is_rejected(reason: str) -> None:
    with pytest.raises(ValueError, match="required"):
        normalise_reason(reason)


def test_overlong_reason_is_rejected() -> None:
    assert normalise_reason("x" * MAX_REASON_LENGTH) == "x" * MAX_REASON_LENGTH
    with pytest.raises(ValueError, match="at most"):
        normalise_reason("x" * (MAX_REASON_LENGTH + 1))


@pytest.mark.parametrize(
    ("revoked_at", "valid_until", "expected"),
    [
        (None, None, CredentialState.VALID),
        (None, NOW + timedelta(seconds=1), CredentialState.VALID),
        (None, NOW, CredentialState.EXPIRED),
        (NOW, None, CredentialState.REVOKED),
        (NOW - timedelta(days=1), NOW - timedelta(days=2), CredentialState.REVOKED),
        (NOW + timedelta(days=1), None, CredentialState.VALID),
    ],
)
def test_state_at(
    revoked_at: datetime | None, valid_until: datetime | None, expected: CredentialState
) -> None:
    assert state_at(NOW, revoked_at=revoked_at, valid_until=valid_until) is expected


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        ([], "key-1"),
        (["key-1"], "key-2"),
        (["key-1", "key-3", "key-2"], "key-4"),
        (["key-10", "key-9"], "key-11"),
        (["legacy", "key-x"], "key-1"),
    ],
)
def test_next_key_id_never_reuses(existing: list[str], expected: str) -> None:
    assert next_key_id(existing) == expected


def test_wrap_context_differs_per_key() -> None:
    assert wrap_context("a", "key-1") != wrap_context("a", "key-2")
    assert wrap_context("a", "key-1") != wrap_context("b", "key-1")


def _profile(as_of: datetime) -> ProviderProfile:
    return ProviderProfile(
        provider_id=uuid4(),
        name="Acme",
        contact_email="a@acme.example",
        website=None,
        description=None,
        logo_url=None,
        as_of=as_of,
    )


def test_newer_or_equal_profile_applies_older_does_not() -> None:
    assert should_apply(None, _profile(NOW))
    assert should_apply(NOW, _profile(NOW))
    assert should_apply(NOW, _profile(NOW + timedelta(seconds=1)))
    assert not should_apply(NOW, _profile(NOW - timedelta(seconds=1)))


def test_profile_drops_unusable_urls_and_keeps_good_ones() -> None:
    profile = ob3_profile(
        "did:web:x:issuers:1",
        "Acme",
        url="ftp://acme.example",
        email="a@acme.example",
        image_url=" https://acme.example/logo.png ",
        description="We teach.",
    )
    assert profile.url is None
    assert profile.image_url == "https://acme.example/logo.png"
    document = profile_document(profile)
    assert document["type"] == ["Profile"]
    assert document["image"] == {"id": "https://acme.example/logo.png", "type": "Image"}
    assert document["email"] == "a@acme.example"
    assert "url" not in document


def test_profile_document_minimal() -> None:
    profile = ob3_profile(
        "did:web:x:issuers:1", "Acme", url=None, email=None, image_url=None, description=None
    )
    assert set(profile_document(profile)) == {"@context", "id", "type", "name"}


def test_urls_and_dids_round_trip() -> None:
    issuer = uuid4()
    did = did_for(BASE + "/", issuer)
    assert did == f"did:web:127.0.0.1%3A8004:issuers:{issuer}"
    assert local_issuer_id(BASE, did) == issuer
    list_id = uuid4()
    assert local_status_list_id(BASE, status_list_url(BASE, list_id)) == list_id
    credential = uuid4()
    assert credential_url(BASE, credential) == f"{BASE}/credentials/{credential}"
    assert share_url(BASE, credential) == f"{BASE}/credentials/{credential}/share"


@pytest.mark.parametrize(
    "did",
    [
        "did:web:evil.example:issuers:00000000-0000-0000-0000-000000000001",
        "did:web:127.0.0.1%3A8004:issuers:not-a-uuid",
        "did:web:127.0.0.1%3A8004:issuers:00000000-0000-0000-0000-000000000001:more",
        "did:web:127.0.0.1%3A8004:issuers:00000000000000000000000000000001",
        "did:key:z6Mk",
        "",
    ],
)
def test_foreign_or_odd_dids_are_not_local(did: str) -> None:
    assert local_issuer_id(BASE, did) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/status-lists/00000000-0000-0000-0000-000000000001",
        f"{BASE}/status-lists/nope",
        f"{BASE}/status-lists/",
        f"{BASE}/other/00000000-0000-0000-0000-000000000001",
    ],
)
def test_foreign_status_list_urls_are_not_local(url: str) -> None:
    assert local_status_list_id(BASE, url) is None


def test_local_status_list_id_exact() -> None:
    list_id = UUID("00000000-0000-0000-0000-000000000001")
    assert local_status_list_id(BASE, f"{BASE}/status-lists/{list_id}") == list_id
