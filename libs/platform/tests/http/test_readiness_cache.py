"""Readiness is checked at most once per TTL, however many ask at once (issue 19)."""

from __future__ import annotations

import asyncio

import httpx
from credmarket_platform.http.health import ReadinessCache, health_router
from fastapi import FastAPI


async def test_a_burst_of_probes_runs_the_checks_once() -> None:
    calls = 0

    async def database() -> None:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)  # a real ping takes a while; the burst arrives meanwhile

    now = [100.0]
    cache = ReadinessCache({"database": database}, timeout_s=1, ttl_s=1.5, clock=lambda: now[0])
    outcomes = await asyncio.gather(*(cache.outcome() for _ in range(200)))
    assert calls == 1
    assert all(o == {"database": "ok"} for o in outcomes)
    now[0] += 1.0
    await cache.outcome()
    assert calls == 1
    now[0] += 1.0
    await cache.outcome()
    assert calls == 2


async def test_readyz_answers_from_the_cache() -> None:
    calls = 0

    async def kafka() -> None:
        nonlocal calls
        calls += 1

    app = FastAPI()
    app.include_router(health_router({"kafka": kafka}, cache_s=60))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        answers = [await client.get("/readyz") for _ in range(20)]
    assert {a.status_code for a in answers} == {200}
    assert calls == 1
