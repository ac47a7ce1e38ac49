"""One canonical subject: UUIDs in any spelling are one caller; issuers keep callers apart."""

from __future__ import annotations

from uuid import uuid4

import pytest
from credmarket_platform.auth import (
    Principal,
    TrustedIssuer,
    canonical_subject,
    mint_token,
    subject_uuid,
)
from credmarket_platform.auth.tokens import DEV_HS256_MIN_SECRET_BYTES
from credmarket_platform.http import problem_types
from credmarket_platform.http.problems import ProblemError


def test_a_uuid_in_upper_case_is_the_same_subject() -> None:
    owner = uuid4()
    upper = Principal(subject=str(owner).upper(), role="learner", issuer="idp")
    braced = Principal(subject="{" + owner.hex + "}", role="learner", issuer="idp")
    assert upper.is_subject(owner)
    assert braced.is_subject(owner)
    assert subject_uuid(upper) == subject_uuid(braced) == owner
    assert upper.subject_id == braced.subject_id == f"idp {owner}"
    assert not upper.is_subject(uuid4())
    assert not upper.is_subject(None)


def test_the_same_subject_of_two_issuers_is_two_callers() -> None:
    a = Principal(subject="42", role="learner", issuer="https://a.example/")
    b = Principal(subject="42", role="learner", issuer="https://b.example/")
    assert a.subject_id != b.subject_id
    assert canonical_subject("42") == "42"


def test_a_subject_that_is_no_uuid_owns_nothing_and_is_refused_as_one_problem() -> None:
    with pytest.raises(ProblemError) as refused:
        subject_uuid(Principal(subject="42", role="provider", issuer="x"))
    assert refused.value.status == 403
    assert refused.value.type == problem_types.SUBJECT_NOT_UUID.type
    assert "provider" in (refused.value.detail or "")


def test_short_hs256_secrets_are_refused() -> None:
    short = "s" * (DEV_HS256_MIN_SECRET_BYTES - 1)
    with pytest.raises(ValueError, match="at least"):
        mint_token("u", "learner", issuer="dev", secret=short)
    with pytest.raises(ValueError, match="at least"):
        TrustedIssuer(name="dev", hs256_secret=short.encode())
    long_enough = "s" * DEV_HS256_MIN_SECRET_BYTES
    assert mint_token("u", "learner", issuer="dev", secret=long_enough).count(".") == 2
    assert TrustedIssuer(name="dev", hs256_secret=long_enough.encode()).name == "dev"
