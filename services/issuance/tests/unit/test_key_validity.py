"""Retired and revoked keys verify only proofs made before; rotations are bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from issuance.domain.key_validity import (
    KeyState,
    RotationPolicy,
    RotationRefused,
    check_rotation,
    published_keys,
    usable_keys,
    verifies_at,
)

T = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
CURRENT = KeyState("key-3", "zC")
RETIRED = KeyState("key-1", "zA", retired_at=T)
REVOKED = KeyState("key-2", "zB", retired_at=T + timedelta(hours=1), revoked_at=T)


def test_a_retired_key_verifies_only_what_it_signed_before_retirement() -> None:
    assert verifies_at(RETIRED, T - timedelta(seconds=1))
    assert not verifies_at(RETIRED, T)
    assert not verifies_at(RETIRED, T + timedelta(days=1))
    assert not verifies_at(RETIRED, None)


def test_a_revoked_key_verifies_nothing_signed_after_its_revocation() -> None:
    assert verifies_at(REVOKED, T - timedelta(minutes=1))
    assert not verifies_at(REVOKED, T + timedelta(minutes=30))  # before its retirement, still no


def test_the_current_key_verifies_always_and_revoked_keys_are_not_published() -> None:
    assert verifies_at(CURRENT, None)
    assert [k.key_id for k in usable_keys([RETIRED, REVOKED, CURRENT], T)] == ["key-3"]
    assert [k.key_id for k in published_keys([RETIRED, REVOKED, CURRENT])] == ["key-1", "key-3"]


def test_rotations_are_limited_per_day_but_not_when_a_key_leaked() -> None:
    policy = RotationPolicy(per_day=3, max_keys=10)
    first = T - timedelta(days=30)
    recent = [first, T - timedelta(hours=5), T - timedelta(hours=3), T - timedelta(hours=1)]
    with pytest.raises(RotationRefused) as refused:
        check_rotation(recent, T, policy, urgent=False)
    assert refused.value.reason == "rotation_rate_limited"
    assert refused.value.retry_after_s == 19 * 3600 + 1
    check_rotation(recent, T, policy, urgent=True)
    check_rotation(recent[:3], T, policy, urgent=False)
    check_rotation(recent, T + timedelta(hours=20), policy, urgent=False)


def test_the_number_of_keys_is_capped_even_for_urgent_rotations() -> None:
    policy = RotationPolicy(per_day=3, max_keys=4)
    keys = [T - timedelta(days=d) for d in (40, 30, 20, 10)]
    with pytest.raises(RotationRefused) as refused:
        check_rotation(keys, T, policy, urgent=True)
    assert refused.value.reason == "too_many_keys"
