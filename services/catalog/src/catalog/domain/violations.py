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
    """Content breaks one or more rules; nothing may be written. ``stored``: the stored
    resource is at fault (a draft checked at publish), not the input."""

    def __init__(self, violations: list[Violation], *, stored: bool = False) -> None:
        self.violations = violations
        self.stored = stored
        super().__init__("; ".join(f"{v.field}: {v.message}" for v in violations))


class TransitionRefused(Exception):
    """The requested lifecycle step is not allowed from the current state."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)
