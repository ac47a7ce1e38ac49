"""The caller as the owner our records name: a learner's or provider's id."""

from __future__ import annotations

from uuid import UUID

from credmarket_platform.auth.principal import Principal
from credmarket_platform.http import problem_types
from credmarket_platform.http.problems import ProblemError


def subject_uuid(principal: Principal) -> UUID:
    """The token's subject as the UUID records are owned by, in its one canonical form.

    A subject that is not a UUID can own nothing here, so acting as its own learner or
    provider is refused, the same way in every service: 403 ``subject-not-uuid`` (list
    ``problem_types.SUBJECT_NOT_UUID`` in the route's ``responses=``).
    """
    try:
        return UUID(principal.subject)
    except ValueError:
        raise ProblemError(
            403,
            detail=f"the token's subject must be a UUID to act as a {principal.role}",
            type_=problem_types.SUBJECT_NOT_UUID.type,
        ) from None
