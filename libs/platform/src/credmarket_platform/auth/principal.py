"""Who is calling: the verified identity a request acts for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args
from uuid import UUID

Role = Literal["learner", "provider", "ops"]
ROLES: frozenset[str] = frozenset(get_args(Role))


def canonical_subject(subject: str) -> str:
    """One spelling per subject: a UUID in any case or form becomes its lower-case form.

    Records store subjects as UUIDs, so ``ABC…`` and ``abc…`` are one person; compared
    as raw strings they were two (one could buy, the other could read).
    """
    try:
        return str(UUID(subject))
    except ValueError:
        return subject


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    role: Role
    issuer: str
    email: str | None = None
    name: str | None = None
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def subject_id(self) -> str:
        """Issuer and canonical subject: whom idempotency keys and audit records belong to.

        Two trusted issuers may both have a subject ``42``; they are not one caller.
        """
        return f"{self.issuer} {canonical_subject(self.subject)}"

    def is_subject(self, owner: UUID | str | None) -> bool:
        """True when ``owner`` (a record's learner or provider id) is this caller."""
        if owner is None:
            return False
        return canonical_subject(str(owner)) == canonical_subject(self.subject)
