"""What issuance's routes, handlers and actions share for the life of the app: built once,
from the settings, by ``IssuanceRuntime.from_settings``. Besides a session, an action
needs from it where we publish, our KEKs, time and chance."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from credmarket_platform.db import Database

from issuance.credentials.keys import KeyEncryptionKeyRing
from issuance.credentials.status_list import MIN_ENTRIES
from issuance.domain.key_validity import RotationPolicy
from issuance.settings import IssuanceSettings


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class IssuanceRuntime:
    settings: IssuanceSettings
    db: Database
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

    @classmethod
    def from_settings(cls, settings: IssuanceSettings) -> IssuanceRuntime:
        public_base_url = settings.public_base_url.rstrip("/")
        return cls(
            settings=settings,
            db=Database.for_service(settings),
            public_base_url=public_base_url,
            kek_ring=settings.kek_ring(),
            status_list_size=settings.status_list_size,
            max_verify_body_bytes=settings.max_verify_body_bytes,
            rotation_policy=RotationPolicy(
                per_day=settings.key_rotations_per_day, max_keys=settings.max_issuer_keys
            ),
            dev_mode=settings.dev_mode,
            badge_host_consent_url=settings.badge_host_consent_url
            or f"{public_base_url}/storefront/",
        )

    def derived_secret(self, purpose: str) -> bytes:
        """A key for ``purpose`` derived from the current KEK (never used for wrapping)."""
        kek = self.kek_ring.keys[self.kek_ring.current_id]
        return hmac.new(kek, f"credmarket-issuance/{purpose}".encode(), hashlib.sha256).digest()
