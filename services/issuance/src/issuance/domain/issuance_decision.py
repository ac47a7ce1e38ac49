"""Whether an enrollment-completed event leads to a credential.

One credential per enrollment, however often the event arrives; none for a
failed result or an enrollment revoked before its completion was handled; and
"not yet" when the provider's issuer is unknown, because catalog's event may
simply not have been consumed yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    ISSUE = "issue"
    ALREADY_ISSUED = "already_issued"
    NOT_PASSED = "not_passed"
    ENROLLMENT_REVOKED = "enrollment_revoked"
    ISSUER_UNKNOWN = "issuer_unknown"


@dataclass(frozen=True)
class IssuanceFacts:
    passed: bool
    credential_exists: bool
    enrollment_revoked: bool
    issuer_exists: bool


def decide_issuance(facts: IssuanceFacts) -> Outcome:
    # Order matters: an existing credential answers a duplicate even if the
    # issuer were removed later; a revoked enrollment never gets one.
    if facts.credential_exists:
        return Outcome.ALREADY_ISSUED
    if not facts.passed:
        return Outcome.NOT_PASSED
    if facts.enrollment_revoked:
        return Outcome.ENROLLMENT_REVOKED
    if not facts.issuer_exists:
        return Outcome.ISSUER_UNKNOWN
    return Outcome.ISSUE
