"""What actions need besides the session: where we publish, our KEKs, time, chance."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from issuance.credentials.keys import KeyEncryptionKeyRing
from issuance.credentials.status_list import MIN_ENTRIES
from issuance.domain.key_validity import RotationPolicy


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class IssuanceDeps:
    public_base_url: str
    kek_ring: KeyEncryptionKeyRing
    status_list_size: int = MIN_ENTRIES
    clock: Callable[[], datetime] = _now
    randbelow: Callable[[int], int] = field(default=secrets.randbelow)
    max_verify_body_bytes: int = 256 * 1024
    rotation_policy: RotationPolicy = field(default_factory=RotationPolicy)
    dev_mode: bool = False
    badge_host_consent_url: str = ""
    """The frontend page where a learner approves or denies a badge host (?request=<id>)."""

    def derived_secret(self, purpose: str) -> bytes:
        """A key for ``purpose`` derived from the current KEK (never used for wrapping)."""
        kek = self.kek_ring.keys[self.kek_ring.current_id]
        return hmac.new(kek, f"credmarket-issuance/{purpose}".encode(), hashlib.sha256).digest()
