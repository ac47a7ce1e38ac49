"""Why the domain refuses something: reasons a caller can act on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Violation:
    """One broken rule, tied to the input field that broke it."""

    field: str
    code: str
    message: str


class ContentInvalid(Exception):
    """Input breaks one or more rules; nothing may be written."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        super().__init__("; ".join(f"{v.field}: {v.message}" for v in violations))


class TransitionRefused(Exception):
    """The requested lifecycle step is not allowed from the current state."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)
