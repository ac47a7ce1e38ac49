"""PostgreSQL search (the fallback backend): relevance ranks only the newest matches;
paging still shows every match once (ADR 0010)."""

from typing import Any

import httpx
import pytest
from catalog.settings import CatalogSettings

BASE = "/v1/provider/offerings"
RANKED = 3


@pytest.fixture
async def settings(settings: CatalogSettings) -> CatalogSettings:
    return settings.model_copy(update={"ranked_candidates": RANKED, "search_backend": "database"})


async def publish(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> str:
    created = await client.post(BASE, json=body, headers=headers)
    assert created.status_code == 201, created.text
    oid: str = created.json()["id"]
    assert (await client.post(f"{BASE}/{oid}/publish", headers=headers)).status_code == 200
    return oid


async def all_pages(client: httpx.AsyncClient, limit: int) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"q": "python", "limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await client.get("/v1/offerings", params=params)
        assert response.status_code == 200, response.text
        seen += [o["id"] for o in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return seen


# Offerings published last that do not match: none, some, or enough that the newest
# published rows hold no match (each way of finding the candidates, ADR 0010).
@pytest.mark.parametrize("unmatched_newest", [0, 4, 6])
async def test_the_newest_matches_are_ranked_and_older_ones_follow_newest_first(
    client: httpx.AsyncClient, provider: dict[str, Any], kit: Any, unmatched_newest: int
) -> None:
    h = provider["headers"]

    def body(title: str, description: str) -> dict[str, Any]:
        fields: dict[str, Any] = kit.offering_body(
            title=title, description=description, skills=["pandas"]
        )
        return fields

    older = [await publish(client, h, body(f"Python {i}", "Python.")) for i in range(4)]
    await publish(client, h, body("Rust", "Ownership and borrowing."))
    best = await publish(client, h, body("Python Python", "Python, Python and Python."))
    weakest = await publish(client, h, body("Pandas", "A little Python."))
    middle = await publish(client, h, body("Python", "Tabular data."))
    for i in range(unmatched_newest):
        await publish(client, h, body(f"Go {i}", "Goroutines."))

    expected = [best, middle, weakest, *reversed(older)]
    for limit in (1, 2, 3, 100):
        assert await all_pages(client, limit) == expected, limit


async def test_the_database_backend_filters_by_duration_and_has_no_engine_extras(
    client: httpx.AsyncClient, provider: dict[str, Any], kit: Any
) -> None:
    h = provider["headers"]
    short = await publish(client, h, kit.offering_body(title="Short", duration_minutes=30))
    await publish(client, h, kit.offering_body(title="Long", duration_minutes=600))
    response = await client.get("/v1/offerings", params={"duration_max": 60, "facets": "level"})
    assert response.status_code == 200, response.text
    page = response.json()
    assert [o["id"] for o in page["items"]] == [short]
    # Counting and facets are the engine's (ADR 0022); the fallback says so by leaving them out.
    assert page["total"] is None
    assert page["facets"] is None
    assert (await client.get("/v1/offerings/autocomplete", params={"q": "sho"})).status_code == 503
