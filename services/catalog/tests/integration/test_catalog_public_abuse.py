"""Crafted input on catalog's public and provider endpoints: 4xx, never 500 (issue 19)."""

import base64
import json
from typing import Any

import httpx
from catalog.app import create_app
from catalog.settings import CatalogSettings

BASE = "/v1/provider/offerings"


async def test_a_language_with_a_trailing_newline_is_refused_not_published(
    client: httpx.AsyncClient, provider: dict[str, Any], kit: Any
) -> None:
    h = provider["headers"]
    created = await client.post(BASE, json=kit.offering_body(language="en\n"), headers=h)
    if created.status_code == 201:  # a draft may be incomplete; publishing must refuse
        published = await client.post(f"{BASE}/{created.json()['id']}/publish", headers=h)
        assert published.status_code == 422, published.text
    else:
        assert created.status_code == 422, created.text
        assert created.headers["content-type"].startswith("application/problem+json")


def _forge(cursor: str, key: Any) -> str:
    body = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    body["k"] = key
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")


async def test_an_oversized_price_in_a_database_search_cursor_is_422(
    settings: CatalogSettings, ops: dict[str, str], kit: Any
) -> None:
    application = create_app(settings.model_copy(update={"search_backend": "database"}))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://c.test") as client:
            registered = (
                await client.post("/v1/providers", json=kit.provider_body(), headers=ops)
            ).json()
            token = (
                await client.post(
                    "/v1/provider-tokens", json={"api_key": registered["api_key"]["key"]}
                )
            ).json()["access_token"]
            h = {"Authorization": f"Bearer {token}"}
            for title in ("One course", "Another course"):
                oid = await client.post(BASE, json=kit.offering_body(title=title), headers=h)
                await client.post(f"{BASE}/{oid.json()['id']}/publish", headers=h)
            params: dict[str, str | int] = {"sort": "price_asc", "limit": 1}
            page = (await client.get("/v1/offerings", params=params)).json()
            assert page["next_cursor"], page
            for key in (2**63, 2**80, -5, 10**400):
                forged = _forge(page["next_cursor"], key)
                answer = await client.get("/v1/offerings", params={**params, "cursor": forged})
                assert answer.status_code == 422, (key, answer.text)
                assert answer.headers["content-type"].startswith("application/problem+json")
