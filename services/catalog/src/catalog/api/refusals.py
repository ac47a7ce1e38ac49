"""Domain refusals as problem+json: one shape for every catalog error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from credmarket_platform.auth import Principal
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.problems import ProblemError

from catalog.actions import webhook_endpoints as endpoints
from catalog.actions.refusals import KeyUnusable, Missing, ProviderNotRegistered
from catalog.domain.violations import ContentInvalid, TransitionRefused, Violation

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


@contextmanager
def refusals_as_problems() -> Iterator[None]:
    """The use cases' refusals (catalog.actions, catalog.domain) as this API's problems."""
    try:
        yield
    except ContentInvalid as exc:
        raise invalid(exc.violations, where=None if exc.stored else _DEFAULT) from None
    except TransitionRefused as refused:
        raise conflict(refused.code.replace("_", "-"), refused.message) from None
    except Missing as missing:
        raise not_found(missing.what) from None
    except endpoints.TooManyEndpoints as exc:
        raise conflict(
            "too-many-webhook-endpoints", f"a provider has at most {exc.limit}"
        ) from None
    except endpoints.EndpointDisabled:
        raise ProblemError(
            409,
            detail="the endpoint is disabled; enable it first",
            type_=pt.WEBHOOK_ENDPOINT_DISABLED.type,
        ) from None
    except endpoints.PingPending:
        raise ProblemError(
            429,
            detail="a ping to this endpoint is still on its way",
            type_=pt.RATE_LIMITED.type,
            headers={"Retry-After": "5"},
        ) from None
    except KeyUnusable:
        raise conflict("key-unusable", "the replaced key is already revoked or expired") from None
    except ProviderNotRegistered:
        raise ProblemError(403, "Forbidden", "the token names no registered provider") from None
