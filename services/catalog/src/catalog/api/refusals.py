"""Domain refusals as problem+json: one shape for every catalog error."""

from __future__ import annotations

from uuid import UUID

from credmarket_platform.auth import Principal
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.problems import ProblemError

from catalog.domain.violations import Violation


def invalid(
    violations: list[Violation],
    title: str | None = None,
    *,
    kind: pt.ProblemType = pt.INVALID_CONTENT,
) -> ProblemError:
    """Content that breaks a catalog rule, or (``kind=INVALID_REQUEST``) a bad query.

    ``title`` is ignored: the answer's title is the catalogue's (ADR 0025); it stays for
    callers written before the catalogue.
    """
    del title
    return ProblemError(
        422,
        detail="; ".join(f"{v.field}: {v.message}" for v in violations),
        type_=kind.type,
        errors=[{"field": v.field, "message": v.message, "type": v.code} for v in violations],
    )


def conflict(code: str, message: str) -> ProblemError:
    # "retired" is the same refusal enrollment gives for a retired offering.
    slug = {"retired": pt.OFFERING_RETIRED.slug}.get(code, code)
    return ProblemError(409, detail=message, type_=f"{pt.PREFIX}{slug}")


def not_found(what: str) -> ProblemError:
    return ProblemError(404, detail=f"no such {what}")


def caller_provider_id(principal: Principal) -> UUID:
    """A provider token's subject is the provider id."""
    try:
        return UUID(principal.subject)
    except ValueError:
        raise ProblemError(403, "Forbidden", "the token subject is not a provider id") from None


def ensure_own_provider(principal: Principal, provider_id: UUID) -> None:
    """Ops may act on any provider; a provider only on itself."""
    if principal.role == "ops":
        return
    if principal.role == "provider" and caller_provider_id(principal) == provider_id:
        return
    raise ProblemError(403, "Forbidden", "a provider may only act on its own account")
