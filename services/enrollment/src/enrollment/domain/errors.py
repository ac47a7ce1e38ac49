"""Why the domain refuses something: each maps to one HTTP problem."""

from __future__ import annotations

from dataclasses import dataclass

from enrollment.domain.status import EnrollmentStatus


class DomainRefusal(Exception):
    """Base of every refusal; the message is safe to show to the caller."""


@dataclass
class TransitionRefused(DomainRefusal):
    """The enrollment's status does not allow the requested action."""

    action: str
    status: EnrollmentStatus

    def __str__(self) -> str:
        return f"cannot {self.action} an enrollment that is {self.status.value}"
