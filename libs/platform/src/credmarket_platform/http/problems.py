"""RFC 9457 problem details: the one shape every error response of every service has.

Services raise :class:`ProblemError`; :func:`install_problem_handlers` turns it, request
validation errors, routing errors (404/405) and anything unexpected into
``application/problem+json``. Unexpected exceptions become a bare 500 whose body says
nothing about internals; the traceback goes to the log, tied by the correlation id.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from credmarket_platform.http import problem_types
from credmarket_platform.http.problem_types import ProblemType

PROBLEM_MEDIA_TYPE = "application/problem+json"

logger = logging.getLogger("credmarket.http.problems")


class ProblemFieldError(BaseModel):
    """One invalid input field, as reported in a 422 problem's ``errors`` list."""

    field: str = Field(description="Dotted location, e.g. `body.price.amount` or `query.limit`.")
    message: str
    type: str = Field(description="Machine-readable error code from validation.")


class Problem(BaseModel):
    """RFC 9457 problem details. Extension members may appear next to the standard ones."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(default="about:blank", description="URI reference identifying the problem.")
    title: str = Field(description="Short, human-readable summary of the problem type.")
    status: int = Field(description="HTTP status code.")
    detail: str | None = Field(default=None, description="Explanation of this occurrence.")
    instance: str | None = Field(default=None, description="URI of this occurrence.")
    errors: list[ProblemFieldError] | None = Field(
        default=None, description="Present on validation problems: one entry per bad field."
    )


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


class ProblemError(Exception):
    """Raise from anywhere in a request to answer with a problem+json response."""

    def __init__(
        self,
        status: int,
        title: str | None = None,
        detail: str | None = None,
        *,
        type_: str = "about:blank",
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        self.status = status
        self.title = title or _phrase(status)
        self.detail = detail
        self.type = type_
        self.headers = dict(headers or {})
        self.extensions = extensions
        super().__init__(f"{status} {self.title}: {detail or ''}")

    def to_response(self, instance: str | None = None) -> Response:
        return problem_response(
            self.status,
            self.title,
            self.detail,
            type_=self.type,
            instance=instance,
            headers=self.headers,
            **self.extensions,
        )


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_response(
    status: int,
    title: str | None = None,
    detail: str | None = None,
    *,
    type_: str = "about:blank",
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> Response:
    # The catalogue decides type and title: an answer without a specific type gets the
    # status's generic one, and a catalogued type always has the catalogue's title.
    if type_ == "about:blank":
        type_ = problem_types.generic(status).type
    known = problem_types.BY_TYPE.get(type_)
    if known is not None:
        title = known.title
    body: dict[str, Any] = {"type": type_, "title": title or _phrase(status), "status": status}
    if detail is not None:
        body["detail"] = detail
    if instance is not None:
        body["instance"] = instance
    # Extensions never override the standard members, so a caller can't fake a status.
    body.update({k: v for k, v in extensions.items() if k not in body})
    return ProblemResponse(body, status_code=status, headers=dict(headers or {}))


def problem_responses(*entries: int | ProblemType) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries: each error status with the Problem schema and an
    example of every problem type the endpoint may answer with.

    A bare status documents its generic type; a :class:`ProblemType` documents itself
    under its status. Types that dependencies give (auth, Idempotency-Key, validation)
    are added to every endpoint using them when the OpenAPI document is built
    (:mod:`credmarket_platform.http.contract`).
    """
    by_status: dict[int, list[ProblemType]] = {}
    for entry in entries:
        kind = problem_types.generic(entry) if isinstance(entry, int) else entry
        status = entry if isinstance(entry, int) else entry.status
        listed = by_status.setdefault(status, [])
        if kind not in listed:
            listed.append(kind)
    return {status: problem_response_doc(status, kinds) for status, kinds in by_status.items()}


def problem_response_doc(status: int, kinds: Sequence[ProblemType]) -> dict[str, Any]:
    """One OpenAPI response object: problem+json with one example per type."""
    return {
        "model": Problem,
        "description": " / ".join(dict.fromkeys(k.title for k in kinds)) or _phrase(status),
        "content": {
            PROBLEM_MEDIA_TYPE: {
                "schema": {"$ref": "#/components/schemas/Problem"},
                "examples": {k.slug: {"summary": k.title, "value": k.example()} for k in kinds},
            }
        },
    }


def _field_errors(errors: Sequence[Any]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for err in errors:
        loc = err.get("loc", ()) if isinstance(err, Mapping) else ()
        # Only location, message and code: echoing `input` could reflect secrets back.
        out.append(
            {
                "field": ".".join(str(part) for part in loc) or "request",
                "message": str(err.get("msg", "invalid")) if isinstance(err, Mapping) else str(err),
                "type": str(err.get("type", "invalid")) if isinstance(err, Mapping) else "invalid",
            }
        )
    return out


async def _handle_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return exc.to_response(instance=request.url.path)


async def _handle_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc.errors())
    if errors and all(e["type"] == "json_invalid" for e in errors):
        return problem_response(
            400,
            "Malformed request body",
            "The request body is not valid JSON.",
            type_=problem_types.MALFORMED_BODY.type,
            instance=request.url.path,
            errors=errors,
        )
    return problem_response(
        422,
        "Invalid request",
        f"{len(errors)} field(s) failed validation.",
        instance=request.url.path,
        errors=errors,
    )


async def _handle_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail: str | None = exc.detail if isinstance(exc.detail, str) else None
    if detail == _phrase(exc.status_code):
        detail = None
    return problem_response(
        exc.status_code,
        detail=detail,
        instance=request.url.path,
        headers=exc.headers,
    )


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    logger.error(
        "unhandled error on %s %s",
        request.method,
        request.url.path,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return internal_error_response(request.url.path)


def internal_error_response(instance: str | None = None) -> Response:
    return problem_response(
        500,
        detail="The server failed to handle this request; it has been logged.",
        instance=instance,
    )


# Long enough for a database failover to finish, short enough to keep a learner waiting.
UNAVAILABLE_RETRY_AFTER_S = 2


def unavailable_response(instance: str | None = None) -> Response:
    return problem_response(
        503,
        "Temporarily unavailable",
        "A service this request needs is briefly unreachable; repeat the request shortly "
        "(with the same Idempotency-Key, where the endpoint takes one).",
        type_="urn:credmarket:problem:temporarily-unavailable",
        instance=instance,
        headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_S)},
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _handle_problem)
    app.add_exception_handler(RequestValidationError, _handle_validation)
    app.add_exception_handler(StarletteHTTPException, _handle_http)
    app.add_exception_handler(Exception, handle_unexpected)
