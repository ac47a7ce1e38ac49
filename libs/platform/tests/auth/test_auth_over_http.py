"""401/403 as problem+json, and the security scheme in the OpenAPI document."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from credmarket_platform.auth import Principal, TokenVerifier, optional_principal, require
from credmarket_platform.http.app_factory import create_service_app
from credmarket_platform.settings import ServiceSettings
from fastapi import APIRouter, Depends

router = APIRouter()


@router.get("/learner-only")
async def learner_only(principal: Principal = require("learner")) -> dict[str, str]:
    return {"subject": principal.subject, "role": principal.role}


@router.get("/staff", dependencies=[require("provider", "ops")])
async def staff() -> dict[str, str]:
    return {"ok": "yes"}


@router.get("/public")
async def public(principal: Principal | None = Depends(optional_principal)) -> dict[str, str]:
    return {"subject": principal.subject if principal else "anonymous"}


@pytest.fixture
async def client(dev_verifier: TokenVerifier) -> AsyncIterator[httpx.AsyncClient]:
    app = create_service_app(
        ServiceSettings(),
        title="t",
        version="1",
        routers=[router],
        token_verifier=dev_verifier,
        configure_logs=False,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as c:
        yield c


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_valid_token_reaches_the_endpoint(
    client: httpx.AsyncClient, dev_token: Callable[..., str]
) -> None:
    response = await client.get("/learner-only", headers=_bearer(dev_token(subject="L1")))
    assert response.status_code == 200
    assert response.json() == {"subject": "L1", "role": "learner"}


async def test_missing_token_is_401_problem_with_bearer_challenge(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/learner-only")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["status"] == 401
    assert body["title"] == "Unauthorized"
    assert body["instance"] == "/learner-only"


@pytest.mark.parametrize(
    "authorization", ["Bearer garbage", "Bearer ", "Basic dXNlcjpwYXNz", "token"]
)
async def test_bad_authorization_is_401_invalid_token(
    client: httpx.AsyncClient, authorization: str
) -> None:
    response = await client.get("/learner-only", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_expired_token_is_401_saying_so(
    client: httpx.AsyncClient, dev_token: Callable[..., str]
) -> None:
    from datetime import UTC, datetime, timedelta

    token = dev_token(issued_at=datetime.now(UTC) - timedelta(hours=3))
    response = await client.get("/learner-only", headers=_bearer(token))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


async def test_wrong_role_is_403_problem(
    client: httpx.AsyncClient, dev_token: Callable[..., str]
) -> None:
    response = await client.get("/learner-only", headers=_bearer(dev_token(role="provider")))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 403
    response = await client.get("/staff", headers=_bearer(dev_token(role="learner")))
    assert response.status_code == 403
    response = await client.get("/staff", headers=_bearer(dev_token(role="ops")))
    assert response.status_code == 200


async def test_optional_principal(client: httpx.AsyncClient, dev_token: Callable[..., str]) -> None:
    assert (await client.get("/public")).json() == {"subject": "anonymous"}
    response = await client.get("/public", headers=_bearer(dev_token(subject="S")))
    assert response.json() == {"subject": "S"}
    # A bad token is an error even where a token is optional.
    assert (await client.get("/public", headers=_bearer("nope"))).status_code == 401


async def test_openapi_marks_secured_endpoints(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/openapi.json")).json()
    scheme = doc["components"]["securitySchemes"]["BearerJWT"]
    assert scheme == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": scheme["description"],
    }
    assert doc["paths"]["/learner-only"]["get"]["security"] == [{"BearerJWT": []}]
    assert doc["paths"]["/staff"]["get"]["security"] == [{"BearerJWT": []}]
    assert "security" not in doc["paths"]["/healthz"]["get"]


def test_unknown_role_in_require_fails_fast() -> None:
    with pytest.raises(ValueError, match="unknown roles"):
        require("admin")  # type: ignore[arg-type]
