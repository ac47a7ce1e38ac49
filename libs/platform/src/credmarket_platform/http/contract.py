"""The OpenAPI document says what the code does (docs/api-style.md, ADR 0025).

FastAPI documents a header declared ``Header(default=None)`` as optional, even when the
dependency behind it refuses a request without it (it does, so that the refusal is our
400 problem rather than a validation 422); and it knows nothing of the problem types a
dependency answers with. Dependencies say both with :func:`documents`; routes can say
it with ``openapi_extra=requires_headers(...)``. :func:`install_contract_openapi` walks
each route's dependencies when the document is built and writes it in: required headers
become ``required: true``, each dependency's problem types become examples on the
operation's error responses, and every error response is problem+json only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from credmarket_platform.http import problem_types
from credmarket_platform.http.problem_types import ProblemType
from credmarket_platform.http.problems import PROBLEM_MEDIA_TYPE, Problem, problem_response_doc

F = TypeVar("F", bound=Callable[..., Any])

_PROBLEMS_ATTR = "__credmarket_problems__"
_HEADERS_ATTR = "__credmarket_required_headers__"
REQUIRED_HEADERS_KEY = "x-credmarket-required-headers"
PROBLEMS_KEY = "x-credmarket-problem-types"
_METHODS = ("get", "put", "post", "delete", "patch")
# Every operation can be refused by the platform's own layers, whatever its code does.
_EVERYWHERE = (problem_types.OVERLOADED, problem_types.INTERNAL_ERROR)


def documents(
    dependency: F,
    *,
    problems: Iterable[ProblemType] = (),
    required_headers: Iterable[str] = (),
) -> F:
    """Mark a dependency with the problem types it answers with and the headers it
    refuses requests without."""
    setattr(dependency, _PROBLEMS_ATTR, tuple(problems))
    setattr(dependency, _HEADERS_ATTR, tuple(required_headers))
    return dependency


def requires_headers(*names: str) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads a header itself and refuses without it."""
    return {REQUIRED_HEADERS_KEY: list(names)}


def _walk(dependant: Dependant) -> Iterable[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _walk(sub)


def _marks(route: Any) -> tuple[list[ProblemType], list[str]]:
    problems: list[ProblemType] = []
    headers: list[str] = []
    for call in _walk(route.dependant):
        problems += getattr(call, _PROBLEMS_ATTR, ())
        headers += getattr(call, _HEADERS_ATTR, ())
    if route.dependant.body_params:
        problems.append(problem_types.MALFORMED_BODY)
    if (
        route.dependant.body_params
        or route.dependant.query_params
        or route.dependant.path_params
        or route.dependant.header_params
    ):
        problems.append(problem_types.INVALID_REQUEST)
    return problems, headers


def _examples_types(response: dict[str, Any]) -> list[str]:
    # In the order documented: the document must come out the same in every process.
    content = response.get("content", {}).get(PROBLEM_MEDIA_TYPE, {})
    types = [str(e.get("value", {}).get("type")) for e in content.get("examples", {}).values()]
    return list(dict.fromkeys(types))


def _add_problems(operation: dict[str, Any], problems: Sequence[ProblemType]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for code, response in list(responses.items()):
        if not code.isdigit() or int(code) < 400:
            continue
        # FastAPI's own 422 (HTTPValidationError) is not what the service answers.
        kinds = [
            problem_types.BY_TYPE[t]
            for t in _examples_types(response)
            if t in problem_types.BY_TYPE
        ]
        if not kinds:
            kinds = [problem_types.generic(int(code))]
        responses[code] = _doc(int(code), kinds)
    for kind in [*problems, *_EVERYWHERE]:
        code = str(kind.status)
        known = responses.get(code)
        kinds = [problem_types.BY_TYPE[t] for t in _examples_types(known or {})]
        if kind not in kinds:
            responses[code] = _doc(kind.status, [*kinds, kind])


def _doc(status: int, kinds: Sequence[ProblemType]) -> dict[str, Any]:
    doc = problem_response_doc(status, kinds)
    doc.pop("model")
    return doc


def _require_headers(operation: dict[str, Any], names: Iterable[str]) -> None:
    wanted = {n.lower() for n in names}
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and str(parameter.get("name", "")).lower() in wanted:
            parameter["required"] = True
            # Required: a null is no longer a value the header may have.
            schema = parameter.get("schema", {})
            options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
            if len(options) == 1:
                parameter["schema"] = {
                    **{k: v for k, v in schema.items() if k != "anyOf"},
                    **options[0],
                }


def contract_openapi(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with required headers and problem types written in."""
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    paths: dict[str, Any] = document.get("paths", {})
    # Included routers are resolved lazily; a route context is the route as served.
    for route in routing.iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        item = paths.get(route.path_format or "")
        if item is None:
            continue
        problems, headers = _marks(route)
        for method in route.methods or ():
            operation = item.get(method.lower())
            if operation is None:
                continue
            _require_headers(operation, [*headers, *operation.get(REQUIRED_HEADERS_KEY, [])])
            _add_problems(operation, problems)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    if "Problem" not in schemas:
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem.pop("$defs", {}))
        schemas["Problem"] = problem
    # Nothing refers to FastAPI's default validation shapes any more.
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    return document


def install_contract_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = contract_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
