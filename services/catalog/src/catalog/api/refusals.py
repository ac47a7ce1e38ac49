"""Domain refusals as problem+json: one shape for every catalog error."""

from __future__ import annotations

from uuid import UUID

from credmarket_platform.auth import Principal
from credmarket_platform.http.problems import ProblemError

from catalog.domain.violations import Violation


def invalid(violations: list[Violation], title: str = "Invalid input") -> ProblemError:
    return ProblemError(
        422,
        title,
        "; ".join(f"{v.field}: {v.message}" for v in violations),
        type_="urn:credmarket:problem:invalid-content",
        errors=[{"field": v.field, "message": v.message, "type": v.code} for v in violations],
    )


def conflict(code: str, message: str) -> ProblemError:
    return ProblemError(409, "Conflict", message, type_=f"urn:credmarket:problem:{code}")


def not_found(what: str) -> ProblemError:
    return ProblemError(404, "Not Found", f"no such {what}")


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
