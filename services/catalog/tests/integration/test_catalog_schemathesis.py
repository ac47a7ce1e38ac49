"""Schemathesis against the catalog's own OpenAPI document: no input yields a 5xx.

The app runs with its lifespan on an event loop of its own thread (its database pool
lives there); each generated case is sent to it in process with httpx.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import httpx
import pytest
import schemathesis
from catalog.app import create_app
from catalog.settings import CatalogSettings
from credmarket_platform.auth import mint_token
from credmarket_testing.wait import wait_until
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

# The document depends on the code only, so it is taken from an app that is never started.
# (Not from_asgi: its test client would run the lifespan on a loop of its own; not
# from_fixture: its subtests do not work with the installed pytest.)
schema = schemathesis.openapi.from_dict(create_app(CatalogSettings(dev_mode=True)).openapi())


class AppThread:
    def __init__(self, app_settings: CatalogSettings) -> None:
        self.loop = asyncio.new_event_loop()
        self.app = create_app(app_settings)
        self._stop: asyncio.Event | None = None
        self._ready: Future[None] = Future()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> AppThread:
        self.thread.start()
        self._done = asyncio.run_coroutine_threadsafe(self._serve(), self.loop)
        self._ready.result(timeout=60)
        return self

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with self.app.router.lifespan_context(self.app):
            search = self.app.state.runtime.search
            if search is not None:
                await wait_until(lambda: search.state.ready, timeout=60)
            self.client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=self.app), base_url="http://catalog.test"
            )
            self._ready.set_result(None)
            await self._stop.wait()
            await self.client.aclose()

    def request(self, **kwargs: Any) -> httpx.Response:
        return asyncio.run_coroutine_threadsafe(self.client.request(**kwargs), self.loop).result(30)

    def __exit__(self, *exc: object) -> None:
        assert self._stop is not None
        self.loop.call_soon_threadsafe(self._stop.set)
        self._done.result(timeout=60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.fixture
def served(settings: CatalogSettings) -> Iterator[AppThread]:
    with AppThread(settings) as served_app:
        yield served_app


@pytest.fixture
def auth_headers(served: AppThread) -> dict[str, str]:
    """A real provider's token: the generated calls reach past authentication."""
    ops = mint_token("ops-1", "ops", issuer="credmarket-dev", secret=DEV_SECRET)
    registered = served.request(
        method="POST",
        url="/v1/providers",
        json={"name": "Fuzz Academy", "contact_email": "fuzz@academy.example"},
        headers={"Authorization": f"Bearer {ops}"},
    )
    assert registered.status_code == 201, registered.text
    token = served.request(
        method="POST",
        url="/v1/provider-tokens",
        json={"api_key": registered.json()["api_key"]["key"]},
    )
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


DEV_SECRET = "integration-test-secret-of-at-least-32-bytes"


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_catalog_api_has_no_server_errors(
    case: Any, served: AppThread, auth_headers: dict[str, str]
) -> None:
    kwargs = case.as_transport_kwargs(base_url="http://catalog.test", headers=auth_headers)
    request: dict[str, Any] = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "headers": kwargs.get("headers"),
        "params": kwargs.get("params"),
    }
    if "json" in kwargs:
        request["json"] = kwargs["json"]
    elif kwargs.get("data") is not None:
        request["content"] = kwargs["data"]
    response = served.request(**request)
    case.validate_response(response, checks=[not_a_server_error])
