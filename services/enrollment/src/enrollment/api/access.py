"""Who may see and act on which enrollment."""

from __future__ import annotations

import re
from uuid import UUID

from credmarket_platform.auth import Principal
from credmarket_platform.http.problems import ProblemError

from enrollment.domain.enrollment import Enrollment

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\Z")
MAX_NAME = 200


def learner_email(principal: Principal) -> str:
    """The credential is issued to this address, so a purchase needs a usable one."""
    email = principal.email
    if email is None or len(email) > 320 or not _EMAIL.match(email) or "\x00" in email:
        raise ProblemError(
            403,
            "Email required",
            "the token carries no usable `email` claim; the credential is issued to it",
            type_="urn:credmarket:problem:email-required",
        )
    return email


def learner_name(principal: Principal) -> str | None:
    name = principal.name
    if not name or "\x00" in name:
        return None
    return name[:MAX_NAME]


def can_see(principal: Principal, e: Enrollment) -> bool:
    if principal.role == "ops":
        return True
    if principal.role == "learner":
        return principal.is_subject(e.learner_id)
    return principal.is_subject(e.provider_id)


def not_found(enrollment_id: UUID) -> ProblemError:
    # Also for enrollments that exist but are not the caller's: never confirm they exist.
    return ProblemError(
        404,
        detail=f"no enrollment {enrollment_id} that you may see",
    )
