"""What a transition caused, beyond the new state: the application turns these into events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from enrollment.domain.enrollment import Enrollment
from enrollment.domain.status import CancelReason, RefundReason


@dataclass(frozen=True, slots=True)
class Requested:
    """A paid enrollment now waits for payment."""


@dataclass(frozen=True, slots=True)
class Activated:
    via: str  # "payment" or "free"
    at: datetime
    payment_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class Cancelled:
    reason: CancelReason
    at: datetime


@dataclass(frozen=True, slots=True)
class Completed:
    at: datetime


@dataclass(frozen=True, slots=True)
class Revoked:
    reason: str
    at: datetime
    payment_id: UUID | None


@dataclass(frozen=True, slots=True)
class RefundNeeded:
    """Money arrived that the marketplace must give back: payments is asked to refund it."""

    payment_id: UUID
    reason: RefundReason
    at: datetime


Fact = Requested | Activated | Cancelled | Completed | Revoked | RefundNeeded


@dataclass(frozen=True, slots=True)
class Transition:
    """The state after an input, and what it caused (empty when nothing happened)."""

    before: Enrollment | None
    after: Enrollment
    facts: tuple[Fact, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return self.before != self.after
