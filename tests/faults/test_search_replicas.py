"""Search on two catalog replicas (processes): each builds its own index and follows
catalog's events, so both answer the same; a replica killed and restarted, or added
later, rebuilds from the database and is ready only once caught up (ADR 0022)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from credmarket_testing.system import System
from credmarket_testing.wait import wait_until

if TYPE_CHECKING:
    from credmarket_testing.shop import Shop

    from tests.faults.conftest import StartSystem

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def system(start_system: StartSystem) -> AsyncIterator[System]:
    async with start_system(replicas={"catalog": 2}) as running:
        yield running


async def ids(http: httpx.AsyncClient, base: str, **params: Any) -> list[str] | None:
    response = await http.get(f"{base}/v1/offerings", params=params)
    if response.status_code == 503:
        return None  # not ready
    assert response.status_code == 200, response.text
    return [o["id"] for o in response.json()["items"]]


async def everywhere(
    http: httpx.AsyncClient, bases: list[str], expected: list[str], **params: Any
) -> None:
    async def same() -> bool:
        return all([await ids(http, b, **params) == expected for b in bases])

    await wait_until(same, timeout=30, message=f"not every replica gave {expected}")


async def test_two_replicas_follow_the_same_events_and_a_restarted_one_rebuilds(
    system: System, shop: Shop, http: httpx.AsyncClient
) -> None:
    bases = [system.url("catalog", 0), system.url("catalog", 1)]
    provider = await shop.new_provider()
    word = "zz" + uuid.uuid4().hex[:8]
    kept = await shop.market.publish_offering(provider.token, f"Rope access {word}", 4900)
    retired = await shop.market.publish_offering(provider.token, f"Rope rescue {word}", 4900)
    await everywhere(http, bases, [retired["id"], kept["id"]], q=word, sort="newest")

    response = await http.post(
        f"{bases[1]}/v1/provider/offerings/{retired['id']}/retire",
        headers={"Authorization": f"Bearer {provider.token}"},
    )
    assert response.status_code == 200, response.text
    await everywhere(http, bases, [kept["id"]], q=word)

    # Killed and restarted: the index is rebuilt from the database before it is ready.
    system.replicas["catalog"][1].kill()
    await system.replicas["catalog"][1].wait_exit()
    restarted = await system.restart("catalog", 1)
    ready = await http.get(f"{restarted.base_url}/readyz")
    assert ready.json()["checks"]["search"] == "ok"
    assert await ids(http, restarted.base_url, q=word) == [kept["id"]]

    # A third replica, started now, answers the same, and follows what comes next.
    third = await system.add_replica("catalog")
    assert await ids(http, third.base_url, q=word) == [kept["id"]]
    later = await shop.market.publish_offering(provider.token, f"Rope knots {word}", 4900)
    await everywhere(
        http, [*bases, third.base_url], [later["id"], kept["id"]], q=word, sort="newest"
    )
