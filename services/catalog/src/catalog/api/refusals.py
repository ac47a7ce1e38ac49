"""Domain refusals as problem+json: one shape for every catalog error."""

from __future__ import annotations

from uuid import UUID

from credmarket_platform.auth import Principal
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.problems import ProblemError

from catalog.domain.violations import Violation

_DEFAULT = "default"


def invalid(
    violations: list[Violation],
    title: str | None = None,
    *,
    kind: pt.ProblemType = pt.INVALID_CONTENT,
    where: str | None = _DEFAULT,
) -> ProblemError:
    """Content that breaks a catalog rule, or (``kind=INVALID_REQUEST``) a bad query.

    Fields are named as request validation names them (`body.price.amount`,
    `query.cursor`), so a 422 reads the same whichever check found it; ``where`` is the
    location (by default `body`, or `query` for a bad query; None for the stored resource,
    as at publish). ``title`` is ignored: the answer's title is the catalogue's (ADR 0025);
    it stays for callers written before the catalogue.
    """
    del title
    if where == _DEFAULT:
        where = "query" if kind is pt.INVALID_REQUEST else "body"

    def located(field: str) -> str:
        if where is None or field == where or field.startswith(f"{where}."):
            return field
        return f"{where}.{field}"

    return ProblemError(
        422,
        detail="; ".join(f"{located(v.field)}: {v.message}" for v in violations),
        type_=kind.type,
        errors=[
            {"field": located(v.field), "message": v.message, "type": v.code} for v in violations
        ],
    )


def conflict(code: str, message: str) -> ProblemError:
    # "retired" is the same refusal enrollment gives for a retired offering.
    slug = {"retired": pt.OFFERING_RETIRED.slug}.get(code, code)
    return ProblemError(409, detail=message, type_=f"{pt.PREFIX}{slug}")


def not_found(what: str) -> ProblemError:
    return ProblemError(404, detail=f"no such {what}")


def ensure_own_provider(principal: Principal, provider_id: UUID) -> None:
    """Ops may act on any provider; a provider only on itself."""
    if principal.role == "ops":
        return
    if principal.role == "provider" and principal.is_subject(provider_id):
        return
    raise ProblemError(403, "Forbidden", "a provider may only act on its own account")
