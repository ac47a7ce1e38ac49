"""How long a published offering takes to be searchable and a retired one to be gone,
through the whole path (outbox, relay, Kafka, the read model, commit)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import aiohttp
from credmarket_testing.system import System

from benchmarks.common import percentiles

FRESH_OFFERINGS = 60
FRESH_IN_FLIGHT = 6


async def until(check: Any, timeout_s: float = 30.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        if await check():
            return time.perf_counter() - started
        await asyncio.sleep(0.01)
    raise AssertionError("not seen in time")


async def freshness(system: System, http: aiohttp.ClientSession) -> dict[str, Any]:
    """Publish-to-searchable and retire-to-gone, each offering found by a word of its own."""
    catalog = system.url("catalog")
    ops = {"Authorization": f"Bearer {system.token('ops')}"}
    async with http.post(
        f"{catalog}/v1/providers",
        json={"name": "Fresh Academy", "contact_email": "fresh@academy.example"},
        headers={**ops, "Idempotency-Key": str(uuid.uuid4())},
    ) as r:
        registered = await r.json()
    async with http.post(
        f"{catalog}/v1/provider-tokens", json={"api_key": registered["api_key"]["key"]}
    ) as r:
        auth = {"Authorization": f"Bearer {(await r.json())['access_token']}"}
    published: list[float] = []
    retired: list[float] = []
    gate = asyncio.Semaphore(FRESH_IN_FLIGHT)

    async def found(word: str) -> bool | None:
        async with http.get(f"{catalog}/v1/offerings", params={"q": word}) as r:
            if r.status != 200:
                return None  # shed under load: ask again
            return bool((await r.json())["items"])

    async def post(url: str, **kwargs: Any) -> Any:
        # The in-flight cap sheds with 503 under the background load: retry, as a client does.
        for _ in range(200):
            async with http.post(url, headers=auth, **kwargs) as r:
                if r.status != 503:
                    assert r.status in (200, 201), await r.text()
                    return await r.json()
            await asyncio.sleep(0.02)
        raise AssertionError(f"{url}: 503 throughout")

    async def one(i: int) -> None:
        word = "zq" + uuid.uuid4().hex[:10]
        async with gate:
            draft = await post(
                f"{catalog}/v1/provider/offerings",
                json={
                    "title": f"Freshness {word}",
                    "description": "Measured from publish to search.",
                    "skills": ["benchmarks"],
                    "level": "beginner",
                    "duration_minutes": 60,
                    "language": "en",
                    "price": {"amount": 1900, "currency": "EUR"},
                    "achievement": {
                        "name": "Fresh",
                        "description": "Was found.",
                        "criteria_narrative": "Be found.",
                    },
                },
            )
            path = f"{catalog}/v1/provider/offerings/{draft['id']}"
            await post(f"{path}/publish")
            published.append(await until(lambda: _is(found(word), True)))
            await post(f"{path}/retire")
            retired.append(await until(lambda: _is(found(word), False)))

    await asyncio.gather(*(one(i) for i in range(FRESH_OFFERINGS)))
    return {
        "offerings": FRESH_OFFERINGS,
        "in_flight": FRESH_IN_FLIGHT,
        "publish_to_searchable_ms": percentiles([s * 1000 for s in published], 1),
        "retire_to_gone_ms": percentiles([s * 1000 for s in retired], 1),
        "note": "from the API's 200 to the first search (polled every 10 ms) that shows it",
    }


async def _is(outcome: Any, wanted: bool) -> bool:
    return await outcome is wanted
