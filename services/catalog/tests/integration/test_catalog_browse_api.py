"""Public search: text, filters, sorting, cursor pagination."""

from typing import Any

import httpx

BASE = "/v1/provider/offerings"


async def publish(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> str:
    created = await client.post(BASE, json=body, headers=headers)
    assert created.status_code == 201, created.text
    oid: str = created.json()["id"]
    assert (await client.post(f"{BASE}/{oid}/publish", headers=headers)).status_code == 200
    return oid


async def test_search_filters_sorts_and_pages(
    client: httpx.AsyncClient, provider: dict[str, Any], kit: Any
) -> None:
    h = provider["headers"]
    python = await publish(
        client,
        h,
        kit.offering_body(
            title="Python for Data Analysis",
            description="Python from the first line: Python lists, Python dicts, pandas.",
        ),
    )
    free_sql = await publish(
        client,
        h,
        kit.offering_body(
            title="SQL Basics",
            description="Querying relational databases.",
            skills=["sql"],
            level="beginner",
            language="de",
            price={"amount": 0, "currency": "EUR"},
        ),
    )
    pricey = await publish(
        client,
        h,
        kit.offering_body(
            title="Advanced Python Internals",
            description="Bytecode, the GIL, memory management.",
            skills=["python"],
            level="advanced",
            price={"amount": 19900, "currency": "EUR"},
        ),
    )
    await client.post(BASE, json=kit.offering_body(title="Python draft never shown"), headers=h)
    await kit.searched(client, 3)

    async def ids(**params: Any) -> list[str]:
        response = await client.get("/v1/offerings", params=params)
        assert response.status_code == 200, response.text
        return [o["id"] for o in response.json()["items"]]

    assert set(await ids(q="python")) == {python, pricey}
    # Both have it in title and skills; only one also in its description, many times.
    assert (await ids(q="python"))[0] == python
    assert await ids(skill="SQL") == [free_sql]
    assert await ids(free="true") == [free_sql]
    assert set(await ids(free="false")) == {python, pricey}
    assert await ids(level="advanced") == [pricey]
    assert await ids(language="de") == [free_sql]
    assert set(await ids(language="en")) == {python, pricey}  # en matches en-GB
    assert await ids(price_min=5000, price_max=50000, currency="EUR") == [pricey]
    assert await ids(currency="USD") == []
    assert await ids(sort="price_asc") == [free_sql, python, pricey]
    assert await ids(sort="price_desc") == [pricey, python, free_sql]
    assert await ids(sort="newest") == [pricey, free_sql, python]
    assert await ids(provider_id=provider["id"], q="databases") == [free_sql]

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"sort": "price_asc", "limit": 1}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/v1/offerings", params=params)).json()
        seen += [o["id"] for o in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [free_sql, python, pricey]

    first = (await client.get("/v1/offerings", params={"q": "python", "limit": 1})).json()
    second = (
        await client.get(
            "/v1/offerings", params={"q": "python", "limit": 1, "cursor": first["next_cursor"]}
        )
    ).json()
    assert [first["items"][0]["id"], second["items"][0]["id"]] == [python, pricey]
    assert second["next_cursor"] is None


async def test_bad_searches_are_422(client: httpx.AsyncClient) -> None:
    searches: tuple[dict[str, str | int], ...] = (
        {"price_min": 10},
        {"price_min": 10, "price_max": 5, "currency": "EUR"},
        {"currency": "ABC"},
        {"level": "guru"},
        {"limit": 0},
        {"cursor": "garbage"},
        {"q": "a\x00b"},
        {"language": "e%"},
    )
    for params in searches:
        response = await client.get("/v1/offerings", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_cursor_is_refused_for_another_search(
    client: httpx.AsyncClient, provider: dict[str, Any], kit: Any
) -> None:
    for i in range(2):
        await publish(client, provider["headers"], kit.offering_body(title=f"Course {i}"))
    await kit.searched(client, 2)
    page = (await client.get("/v1/offerings", params={"limit": 1})).json()
    response = await client.get(
        "/v1/offerings", params={"limit": 1, "sort": "price_asc", "cursor": page["next_cursor"]}
    )
    assert response.status_code == 422


async def test_unknown_offering_and_version_are_404(client: httpx.AsyncClient) -> None:
    missing = "00000000-0000-7000-8000-000000000000"
    assert (await client.get(f"/v1/offerings/{missing}")).status_code == 404
    assert (await client.get(f"/v1/offerings/{missing}/versions/1")).status_code == 404
    assert (await client.get("/v1/offerings/not-a-uuid")).status_code == 422


async def test_search_answers_are_publicly_cacheable_briefly_and_refusals_are_not(
    client: httpx.AsyncClient,
) -> None:
    found = await client.get("/v1/offerings", params={"q": "python"})
    assert found.headers["cache-control"] == "public, max-age=1"
    refused = await client.get("/v1/offerings", params={"limit": 0})
    assert refused.status_code == 422
    assert "public" not in refused.headers.get("cache-control", "")
