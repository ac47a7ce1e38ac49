"""Small value types of the enrollment domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Price:
    """Integer minor units of an ISO 4217 currency."""

    amount: int
    currency: str

    @property
    def is_free(self) -> bool:
        return self.amount == 0


@dataclass(frozen=True, slots=True)
class PaymentError:
    """Why the last payment attempt failed, as the learner should see it."""

    reason: str
    decline_code: str | None
    failed_at: datetime


@dataclass(frozen=True, slots=True)
class CompletionReport:
    """What the provider reported about the learner."""

    passed: bool
    score: float | None
    evidence_url: str | None
    evidence_narrative: str | None
    reported_at: datetime


@dataclass(frozen=True, slots=True)
class CredentialLink:
    """The credential issued for an enrollment, as shown to the learner."""

    credential_id: UUID
    public_url: str | None
    issued_at: datetime | None
    revoked_at: datetime | None = None
