"""A proof found valid is not canonicalised again; nothing else is remembered."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from issuance.credentials import signing
from issuance.credentials.keys import generate_private_key
from issuance.credentials.proven_proofs import ProvenProofs, proven_proofs
from issuance.credentials.verification import verify_credential


@pytest.fixture(autouse=True)
def empty_memo() -> Iterator[None]:
    proven_proofs.clear()
    yield
    proven_proofs.clear()


@pytest.fixture
def canonicalisations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the proof's hash data was computed (one entry per call)."""
    calls: list[int] = []
    real = signing.hash_data

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(signing, "hash_data", counting)
    return calls


def _verify(issuer: Any, credential: dict[str, Any], now: datetime) -> Any:
    return verify_credential(
        credential,
        resolve_did=issuer.resolve_did,
        fetch_status_list=issuer.fetch_status_list,
        now=now,
    )


def test_a_credential_verified_again_is_not_canonicalised_again(
    issuer: Any, credential: dict[str, Any], now: datetime, canonicalisations: list[int]
) -> None:
    first = _verify(issuer, credential, now)
    after_first = len(canonicalisations)
    second = _verify(issuer, copy.deepcopy(credential), now)

    assert first.valid
    assert second.valid
    assert first.checks == second.checks
    assert after_first >= 1
    assert len(canonicalisations) == after_first


def test_a_changed_credential_is_checked_in_full_and_fails(
    issuer: Any, credential: dict[str, Any], now: datetime, canonicalisations: list[int]
) -> None:
    assert _verify(issuer, credential, now).valid
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["achievement"]["name"] = "Something else"
    before = len(canonicalisations)

    result = _verify(issuer, tampered, now)

    assert len(canonicalisations) > before
    assert not result.valid
    signature = result.check("signature")
    assert signature is not None
    assert not signature.passed


def test_failed_proofs_are_not_remembered(
    issuer: Any, credential: dict[str, Any], now: datetime
) -> None:
    tampered = copy.deepcopy(credential)
    tampered["name"] = "Forged"
    assert not _verify(issuer, tampered, now).valid
    key = proven_proofs.key_for(tampered, issuer.keys[issuer.current].public_key(), None)
    assert key is not None
    assert key not in proven_proofs
    assert not _verify(issuer, tampered, now).valid


def test_expiry_and_revocation_are_still_checked_on_a_remembered_proof(
    issuer: Any, credential: dict[str, Any], now: datetime
) -> None:
    assert _verify(issuer, credential, now).status == "valid"
    assert _verify(issuer, credential, now + timedelta(days=400)).status == "expired"

    issuer.revoke(int(credential["credentialStatus"]["statusListIndex"]))
    assert _verify(issuer, credential, now).status == "revoked"


def test_the_memo_is_per_key() -> None:
    memo = ProvenProofs(capacity=8)
    document = {"id": "urn:example:1"}
    one = memo.key_for(document, generate_private_key().public_key(), None)
    other = memo.key_for(document, generate_private_key().public_key(), None)
    assert one is not None
    assert other is not None
    memo.remember(one)
    assert one in memo
    assert other not in memo


def test_the_memo_holds_at_most_its_capacity_dropping_the_least_recently_used() -> None:
    memo = ProvenProofs(capacity=2)
    key = generate_private_key().public_key()
    a, b, c = (memo.key_for({"n": n}, key, None) for n in range(3))
    assert a is not None
    assert b is not None
    assert c is not None
    memo.remember(a)
    memo.remember(b)
    assert a in memo  # a is now the most recently used
    memo.remember(c)

    assert len(memo) == 2
    assert a in memo
    assert c in memo
    assert b not in memo


def test_a_document_without_a_single_json_form_is_not_remembered() -> None:
    key = generate_private_key().public_key()
    assert ProvenProofs.key_for({"n": float("nan")}, key, None) is None
