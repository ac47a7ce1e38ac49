"""One canonical subject: UUIDs in any spelling are one caller; issuers keep callers apart."""

from __future__ import annotations

from uuid import uuid4

import pytest
from credmarket_platform.auth import Principal, TrustedIssuer, canonical_subject, mint_token
from credmarket_platform.auth.tokens import DEV_HS256_MIN_SECRET_BYTES


def test_a_uuid_in_upper_case_is_the_same_subject() -> None:
    owner = uuid4()
    upper = Principal(subject=str(owner).upper(), role="learner", issuer="idp")
    braced = Principal(subject="{" + owner.hex + "}", role="learner", issuer="idp")
    assert upper.is_subject(owner)
    assert braced.is_subject(owner)
    assert upper.subject_uuid == owner
    assert upper.subject_id == braced.subject_id == f"idp {owner}"
    assert not upper.is_subject(uuid4())
    assert not upper.is_subject(None)


def test_the_same_subject_of_two_issuers_is_two_callers() -> None:
    a = Principal(subject="42", role="learner", issuer="https://a.example/")
    b = Principal(subject="42", role="learner", issuer="https://b.example/")
    assert a.subject_id != b.subject_id
    assert canonical_subject("42") == "42"
    assert Principal(subject="42", role="learner", issuer="x").subject_uuid is None


def test_short_hs256_secrets_are_refused() -> None:
    short = "s" * (DEV_HS256_MIN_SECRET_BYTES - 1)
    with pytest.raises(ValueError, match="at least"):
        mint_token("u", "learner", issuer="dev", secret=short)
    with pytest.raises(ValueError, match="at least"):
        TrustedIssuer(name="dev", hs256_secret=short.encode())
    long_enough = "s" * DEV_HS256_MIN_SECRET_BYTES
    assert mint_token("u", "learner", issuer="dev", secret=long_enough).count(".") == 2
    assert TrustedIssuer(name="dev", hs256_secret=long_enough.encode()).name == "dev"
