"""Result types shared by proof checking and full credential verification."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Check", "CredentialStatus", "VerificationResult"]

CredentialStatus = Literal["valid", "revoked", "expired", "invalid"]


@dataclass(frozen=True)
class Check:
    """One named verification step and its outcome."""

    name: str
    passed: bool
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


@dataclass(frozen=True)
class VerificationResult:
    """Outcome of verifying a credential or a proof.

    ``valid`` is true only when every check passed; ``status`` is the single
    word a verifier shows (``revoked`` and ``expired`` are reported even though
    they make ``valid`` false, so users learn *why*).
    """

    valid: bool
    status: CredentialStatus
    checks: list[Check] = field(default_factory=list)

    def check(self, name: str) -> Check | None:
        """The check called ``name``, if it ran."""
        return next((c for c in self.checks if c.name == name), None)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "valid": self.valid,
            "status": self.status,
            "checks": [c.as_dict() for c in self.checks],
        }
