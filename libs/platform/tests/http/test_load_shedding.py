"""A process with its limit of requests in flight answers the next one 503 at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from credmarket_platform.http.app_factory import create_service_app
from credmarket_platform.http.problems import PROBLEM_MEDIA_TYPE
from credmarket_platform.settings import ServiceSettings
from credmarket_testing.wait import wait_until
from fastapi import APIRouter

LIMIT = 3


class Gate:
    def __init__(self) -> None:
        self.entered = 0
        self.release = asyncio.Event()


@pytest.fixture
async def gate() -> Gate:
    return Gate()


@pytest.fixture
async def client(gate: Gate) -> AsyncIterator[httpx.AsyncClient]:
    router = APIRouter()

    @router.get("/slow")
    async def slow() -> dict[str, str]:
        gate.entered += 1
        await gate.release.wait()
        return {"done": "yes"}

    app = create_service_app(
        ServiceSettings(http_max_in_flight=LIMIT),
        title="t",
        version="1",
        routers=[router],
        configure_logs=False,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as c:
        yield c


async def test_requests_over_the_limit_are_shed_and_the_rest_complete(
    client: httpx.AsyncClient, gate: Gate
) -> None:
    held = [asyncio.create_task(client.get("/slow")) for _ in range(LIMIT)]
    await wait_until(lambda: gate.entered == LIMIT)

    shed = await client.get("/slow", headers={"X-Correlation-ID": "corr-1"})
    assert shed.status_code == 503
    assert shed.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert shed.headers["Retry-After"] == "1"
    assert shed.headers["X-Correlation-ID"] == "corr-1"
    assert shed.json()["type"] == "urn:credmarket:problem:overloaded"
    # Probes still answer while the process is full.
    assert (await client.get("/healthz")).status_code == 200

    gate.release.set()
    assert [r.status_code for r in await asyncio.gather(*held)] == [200] * LIMIT
    assert (await client.get("/slow")).status_code == 200
    assert gate.entered == LIMIT + 1  # the shed request never reached the endpoint


async def test_zero_means_no_limit(gate: Gate) -> None:
    router = APIRouter()

    @router.get("/slow")
    async def slow() -> None:
        gate.entered += 1
        await gate.release.wait()

    app = create_service_app(
        ServiceSettings(http_max_in_flight=0),
        title="t",
        version="1",
        routers=[router],
        configure_logs=False,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as c:
        held = [asyncio.create_task(c.get("/slow")) for _ in range(100)]
        await wait_until(lambda: gate.entered == 100)
        gate.release.set()
        assert {r.status_code for r in await asyncio.gather(*held)} == {200}


async def test_event_streams_do_not_take_request_slots(
    client: httpx.AsyncClient, gate: Gate
) -> None:
    """A live status stream stays open for minutes: it must not starve short requests,
    and a full process must not refuse one (enrollment bounds streams itself, ADR 0026)."""
    stream = {"Accept": "text/event-stream"}
    streams = [asyncio.create_task(client.get("/slow", headers=stream)) for _ in range(LIMIT)]
    await wait_until(lambda: gate.entered == LIMIT)
    held = [asyncio.create_task(client.get("/slow")) for _ in range(LIMIT)]
    await wait_until(lambda: gate.entered == 2 * LIMIT)
    assert (await client.get("/slow")).status_code == 503
    gate.release.set()
    answers = await asyncio.gather(*streams, *held)
    assert [r.status_code for r in answers] == [200] * (2 * LIMIT)
