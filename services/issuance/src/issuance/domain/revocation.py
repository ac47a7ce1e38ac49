"""Revoking a credential: at most once, with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MAX_REASON_LENGTH = 500


class RevocationOutcome(StrEnum):
    REVOKE = "revoke"
    ALREADY_REVOKED = "already_revoked"
    NO_CREDENTIAL = "no_credential"


@dataclass(frozen=True)
class RevocationFacts:
    credential_exists: bool
    already_revoked: bool


def decide_revocation(facts: RevocationFacts) -> RevocationOutcome:
    if not facts.credential_exists:
        # Remembered as a tombstone by the caller, so a late completion does not issue.
        return RevocationOutcome.NO_CREDENTIAL
    if facts.already_revoked:
        return RevocationOutcome.ALREADY_REVOKED
    return RevocationOutcome.REVOKE


def normalise_reason(reason: str) -> str:
    """Trimmed, single-line, bounded: it ends up in events and on a public page."""
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise ValueError("a revocation reason is required")
    if len(cleaned) > MAX_REASON_LENGTH:
        raise ValueError(f"a revocation reason is at most {MAX_REASON_LENGTH} characters")
    return cleaned
