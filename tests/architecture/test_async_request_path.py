"""Everything FastAPI calls for a request runs on the event loop.

A plain ``def`` dependency or endpoint is run in the thread pool, a thread hand-off
on every request (measured on enrollment's purchase route: see ADR 0018). Only the
Prometheus scrape is left sync: it is CPU work, called every few seconds.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

SERVICES = ("catalog", "enrollment", "payments", "issuance")
SYNC_ALLOWED = {"/metrics"}


def _runs_on_the_loop(call: Callable[..., Any]) -> bool:
    target = call if inspect.isfunction(call) or inspect.ismethod(call) else call.__call__  # type: ignore[operator]
    return inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)


def _sync_calls(dependant: Dependant) -> Iterator[str]:
    for sub in dependant.dependencies:
        if sub.call is not None and not _runs_on_the_loop(sub.call):
            yield f"{sub.call.__module__}.{sub.call.__qualname__}"
        yield from _sync_calls(sub)


def sync_on_request_path(app: Any) -> list[str]:
    found = []
    for context in routing.iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or route.path in SYNC_ALLOWED:
            continue
        if not _runs_on_the_loop(route.endpoint):
            found.append(f"{route.path}: endpoint {route.endpoint.__qualname__}")
        found += [f"{route.path}: dependency {name}" for name in _sync_calls(route.dependant)]
    return sorted(set(found))


@pytest.mark.parametrize("service", SERVICES)
def test_no_request_runs_a_sync_dependency_or_endpoint(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only for building the apps: a leaked dev mode would change later tests' settings.
    monkeypatch.setenv("CREDMARKET_DEV_MODE", "true")
    app = importlib.import_module(f"{service}.app").create_app()
    assert sync_on_request_path(app) == []


def test_the_check_sees_a_sync_dependency() -> None:
    from fastapi import Depends, FastAPI

    def sync_dependency() -> int:
        return 1

    app = FastAPI()

    @app.get("/x")
    async def endpoint(value: int = Depends(sync_dependency)) -> int:
        return value

    assert sync_on_request_path(app) == [
        f"/x: dependency {__name__}.test_the_check_sees_a_sync_dependency.<locals>.sync_dependency"
    ]
