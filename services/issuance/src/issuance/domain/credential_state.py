"""What a stored credential is, right now, for people looking at it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class CredentialState(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"


def state_at(
    now: datetime, *, revoked_at: datetime | None, valid_until: datetime | None
) -> CredentialState:
    # Revocation outranks expiry: it is the stronger statement about the holder.
    if revoked_at is not None and revoked_at <= now:
        return CredentialState.REVOKED
    if valid_until is not None and valid_until <= now:
        return CredentialState.EXPIRED
    return CredentialState.VALID
