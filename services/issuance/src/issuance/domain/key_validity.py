"""Which of an issuer's keys may verify a proof made at a given time, and rotation limits.

Retiring a key (rotation) and revoking one (it leaked) are different: both stop the
key from signing, and from verifying any proof made after that moment. Only a
retired key stays in the public DID document, so verifiers elsewhere keep accepting
the credentials it signed; a revoked key leaves it, because a verifier elsewhere
cannot tell a genuine old proof from one its thief backdated. This service's own
verifier applies the time rule to both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class KeyState:
    key_id: str
    public_key_multibase: str
    retired_at: datetime | None = None
    revoked_at: datetime | None = None


def verifies_at(key: KeyState, signed_at: datetime | None) -> bool:
    """True when ``key`` may verify a proof that says it was made at ``signed_at``.

    Without a usable time only the current key qualifies: nothing proves the proof
    predates a retirement or a revocation.
    """
    ends = [t for t in (key.retired_at, key.revoked_at) if t is not None]
    if not ends:
        return True
    return signed_at is not None and signed_at < min(ends)


def usable_keys(keys: Iterable[KeyState], signed_at: datetime | None) -> list[KeyState]:
    return [key for key in keys if verifies_at(key, signed_at)]


def published_keys(keys: Iterable[KeyState]) -> list[KeyState]:
    """The DID document's keys: every key but the revoked ones."""
    return [key for key in keys if key.revoked_at is None]


@dataclass(frozen=True)
class RotationPolicy:
    """At most ``per_day`` rotations per issuer in any 24 hours, ``max_keys`` keys ever.

    Each rotation adds a key to the DID document for good (old credentials need it):
    unlimited rotations would grow the document, and every verification reads it.
    """

    per_day: int = 3
    max_keys: int = 100


class RotationRefused(Exception):
    def __init__(self, reason: str, detail: str, retry_after_s: int | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.retry_after_s = retry_after_s


def check_rotation(
    created: Sequence[datetime], now: datetime, policy: RotationPolicy, *, urgent: bool
) -> None:
    """Raise :class:`RotationRefused` when one more key would break ``policy``.

    ``created``: when each existing key was made. An urgent rotation (the current key
    leaked) is never delayed by the daily limit, only bounded by ``max_keys``.
    """
    if len(created) >= policy.max_keys:
        raise RotationRefused(
            "too_many_keys",
            f"this issuer already has {len(created)} keys (at most {policy.max_keys}); "
            "ask ops to review its keys",
        )
    if urgent:
        return
    # The first key comes with the issuer; only rotations count against the limit.
    window = sorted(t for t in created[1:] if now - t < timedelta(days=1))
    if len(window) >= policy.per_day:
        wait = window[0] + timedelta(days=1) - now
        raise RotationRefused(
            "rotation_rate_limited",
            f"at most {policy.per_day} key rotations per issuer in 24 hours",
            retry_after_s=max(1, int(wait.total_seconds()) + 1),
        )
