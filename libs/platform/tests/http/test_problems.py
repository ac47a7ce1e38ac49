"""Every error is RFC 9457 problem+json, and none leaks internals."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from credmarket_platform.http.app_factory import create_service_app
from credmarket_platform.http.problems import PROBLEM_MEDIA_TYPE, ProblemError, problem_responses
from credmarket_platform.settings import ServiceSettings
from fastapi import APIRouter
from pydantic import BaseModel, Field

router = APIRouter()


class Offering(BaseModel):
    title: str = Field(min_length=1)
    price_minor: int = Field(ge=0)


@router.post("/offerings", status_code=201, responses=problem_responses(400, 409, 422))
async def create(offering: Offering, limit: int = 10) -> Offering:
    if offering.title == "taken":
        raise ProblemError(
            409,
            "Title taken",
            "An offering with this title exists.",
            type_="urn:credmarket:problem:title-taken",
            existing_id="o-1",
        )
    return offering


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("secret connection string postgres://u:p@db")


@router.get("/database-away")
async def database_away() -> None:
    try:
        raise ConnectionRefusedError(111, "Connect call failed ('10.0.0.5', 5432)")
    except ConnectionRefusedError as exc:
        raise RuntimeError("could not load the offering") from exc


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_service_app(
        ServiceSettings(), title="t", version="1", routers=[router], configure_logs=False
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as c:
        yield c


def _is_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["type"]
    return body


async def test_unknown_path_is_404_problem(client: httpx.AsyncClient) -> None:
    body = _is_problem(await client.get("/nowhere"), 404)
    assert body["title"] == "Not Found"
    assert body["instance"] == "/nowhere"


async def test_wrong_method_is_405_problem_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.delete("/offerings")
    _is_problem(response, 405)
    assert "POST" in response.headers["allow"]


async def test_invalid_fields_are_422_naming_each_field(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/offerings?limit=many", json={"title": "", "price_minor": -1, "extra": "x"}
    )
    body = _is_problem(response, 422)
    fields = {e["field"] for e in body["errors"]}  # type: ignore[attr-defined]
    assert fields == {"body.title", "body.price_minor", "query.limit"}
    assert all({"field", "message", "type"} == set(e) for e in body["errors"])  # type: ignore[attr-defined]


async def test_missing_body_is_422(client: httpx.AsyncClient) -> None:
    body = _is_problem(await client.post("/offerings"), 422)
    assert body["errors"][0]["field"] == "body"  # type: ignore[index]


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/offerings", content=b'{"title": ', headers={"content-type": "application/json"}
    )
    _is_problem(response, 400)


async def test_problem_error_carries_type_and_extensions(client: httpx.AsyncClient) -> None:
    response = await client.post("/offerings", json={"title": "taken", "price_minor": 1})
    body = _is_problem(response, 409)
    assert body["type"] == "urn:credmarket:problem:title-taken"
    assert body["existing_id"] == "o-1"
    assert body["detail"] == "An offering with this title exists."


async def test_unexpected_error_is_opaque_500(client: httpx.AsyncClient) -> None:
    response = await client.get("/boom", headers={"X-Correlation-Id": "cid-500"})
    body = _is_problem(response, 500)
    assert "postgres" not in response.text
    assert "RuntimeError" not in response.text
    assert response.headers["x-correlation-id"] == "cid-500"
    assert body["title"] == "Internal Server Error"


async def test_openapi_documents_problems(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/openapi.json")).json()
    responses = doc["paths"]["/offerings"]["post"]["responses"]
    for code in ("400", "409", "422"):
        schema = responses[code]["content"][PROBLEM_MEDIA_TYPE]["schema"]
        assert schema == {"$ref": "#/components/schemas/Problem"}
    assert "Problem" in doc["components"]["schemas"]


async def test_a_transient_failure_is_503_with_retry_after_and_no_internals(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/database-away")
    body = _is_problem(response, 503)
    assert body["type"] == "urn:credmarket:problem:temporarily-unavailable"
    assert int(response.headers["retry-after"]) > 0
    assert "10.0.0.5" not in response.text
    assert "x-correlation-id" in response.headers
