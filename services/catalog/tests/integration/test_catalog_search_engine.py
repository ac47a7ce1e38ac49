"""Search served by each replica's engine index, fed by catalog's own events (ADR 0022):
what is published shows, what changes changes, what is retired goes; a second replica
builds the same index from the database and answers the same; refusals are 4xx."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from catalog.app import create_app
from catalog.settings import CatalogSettings
from credmarket_testing.wait import wait_until

BASE = "/v1/provider/offerings"


async def create(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> str:
    created = await client.post(BASE, json=body, headers=headers)
    assert created.status_code == 201, created.text
    oid: str = created.json()["id"]
    return oid


async def publish(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> str:
    oid = await create(client, headers, body)
    assert (await client.post(f"{BASE}/{oid}/publish", headers=headers)).status_code == 200
    return oid


async def found(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get("/v1/offerings", params=params)
    assert response.status_code == 200, response.text
    return [o["id"] for o in response.json()["items"]]


async def until_found(client: httpx.AsyncClient, expected: list[str], **params: Any) -> None:
    async def matches() -> bool:
        return await found(client, **params) == expected

    await wait_until(matches, timeout=30, message=f"search {params} never gave {expected}")


async def test_published_updated_retired_and_renamed_offerings_follow_in_search(
    client: httpx.AsyncClient, provider: dict[str, Any], kit: Any
) -> None:
    h = provider["headers"]
    oid = await publish(client, h, kit.offering_body(title="Quantum Knitting"))
    draft = await create(client, h, kit.offering_body(title="Quantum Draft"))
    await until_found(client, [oid], q="quantum")

    changed = await client.patch(f"{BASE}/{oid}", json={"title": "Quantum Crochet"}, headers=h)
    assert changed.status_code == 200, changed.text
    await until_found(client, [oid], q="crochet")
    assert await found(client, q="knitting") == []

    renamed = await client.patch(
        f"/v1/providers/{provider['id']}", json={"name": "Zebra Institute"}, headers=h
    )
    assert renamed.status_code == 200, renamed.text
    await until_found(client, [oid], q="zebra")

    assert (await client.post(f"{BASE}/{oid}/retire", headers=h)).status_code == 200
    await until_found(client, [], q="quantum")
    # A draft was never in search.
    assert draft not in await found(client)


async def test_the_answer_has_totals_facets_and_highlights(
    client: httpx.AsyncClient, provider: dict[str, Any], kit: Any
) -> None:
    h = provider["headers"]
    a = await publish(client, h, kit.offering_body(title="Python for Data Analysis"))
    b = await publish(
        client, h, kit.offering_body(title="Python internals", skills=["python", "cpython"])
    )
    await kit.searched(client, 2, q="python")
    response = await client.get(
        "/v1/offerings", params={"q": "python", "facets": "skills,level,price", "limit": 1}
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=1"
    page = response.json()
    assert page["total"] == 2
    assert page["items"][0]["id"] in {a, b}
    assert "<b>Python</b>" in page["items"][0]["highlights"]["title"]
    skills = {f["value"]: f["count"] for f in page["facets"]["skills"]}
    assert skills == {"python": 2, "pandas": 1, "cpython": 1}
    assert page["facets"]["level"] == [{"value": "intermediate", "count": 2}]
    # Today's fields are all there, unchanged.
    assert {"id", "title", "price", "achievement", "published_at"} <= set(page["items"][0])

    suggested = await client.get("/v1/offerings/autocomplete", params={"q": "python in"})
    assert suggested.status_code == 200, suggested.text
    assert suggested.json()["completions"] == [{"text": "python internals", "count": 1}]
    assert suggested.json()["offerings"] == [{"id": b, "title": "Python internals"}]


def forged_cursor(**body: Any) -> str:
    raw = json.dumps({"v": 2, "s": "newest", "k": 1, "t": 1, "d": 1, "f": "x", **body})
    return base64.urlsafe_b64encode(raw.encode()).decode()


@pytest.mark.parametrize(
    "params",
    [
        {"q": '"machine learning'},
        {"q": "p*"},
        {"q": "python or"},
        {"q": "!!!"},
        {"facets": "skills,colour"},
        {"duration_min": 0},
        {"duration_min": 50, "duration_max": 10},
        {"cursor": forged_cursor(k=10**30)},
        {"cursor": forged_cursor(k=2**64)},
        {"cursor": base64.urlsafe_b64encode(b'{"v": 2, "k": 1e999}').decode()},
        {"cursor": "9" * 999},
    ],
)
async def test_searches_that_mean_nothing_are_422_problems(
    client: httpx.AsyncClient, params: dict[str, Any]
) -> None:
    response = await client.get("/v1/offerings", params=params)
    assert response.status_code == 422, (params, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "public" not in response.headers.get("cache-control", "")


async def _readyz_is(client: httpx.AsyncClient, status: int) -> bool:
    return (await client.get("/readyz")).status_code == status


async def test_a_replica_answers_503_and_is_not_ready_until_its_index_has_caught_up(
    app: Any, client: httpx.AsyncClient
) -> None:
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["search"] == "ok"
    model = app.state.runtime.search
    model.state.ready = False
    try:
        refused = await client.get("/v1/offerings", params={"q": "python"})
        assert refused.status_code == 503
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.headers["retry-after"] == "1"
        # Readiness is re-checked at most once a second (ADR 0024).
        await wait_until(
            lambda: _readyz_is(client, 503), timeout=5, message="readyz never said not ready"
        )
    finally:
        model.state.ready = True


async def test_a_new_replica_builds_the_same_index_and_pages_with_the_others_cursors(
    client: httpx.AsyncClient, provider: dict[str, Any], kit: Any, settings: CatalogSettings
) -> None:
    h = provider["headers"]
    ids = [
        await publish(client, h, kit.offering_body(title=f"Welding basics {i}")) for i in range(5)
    ]
    retired = ids.pop()
    assert (await client.post(f"{BASE}/{retired}/retire", headers=h)).status_code == 200
    await kit.searched(client, 4, q="welding")
    first = (await client.get("/v1/offerings", params={"q": "welding", "limit": 2})).json()

    replica = create_app(settings)
    async with replica.router.lifespan_context(replica):
        model = replica.state.runtime.search
        await wait_until(lambda: model.state.ready, timeout=60, message="replica not ready")
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=replica), base_url="http://replica.test"
        ) as other:
            # Built from the database: the retired offering is not there.
            assert model.state.documents == 4
            again = (await other.get("/v1/offerings", params={"q": "welding", "limit": 2})).json()
            # The same answer (the cursor's score may differ by a hair: ADR 0022).
            assert again["items"] == first["items"]
            assert again["total"] == first["total"] == 4
            rest = await other.get(
                "/v1/offerings",
                params={"q": "welding", "limit": 2, "cursor": first["next_cursor"]},
            )
            assert rest.status_code == 200, rest.text
            seen = [o["id"] for o in first["items"] + rest.json()["items"]]
            assert sorted(seen) == sorted(ids)
            # Followed from the topic from then on, like the first replica.
            late = await publish(client, h, kit.offering_body(title="Welding advanced"))
            await until_found(other, [late], q="advanced welding")
