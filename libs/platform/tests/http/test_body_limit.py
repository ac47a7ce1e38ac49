"""Bodies are refused once more bytes arrive than allowed, whatever Content-Length says."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
from credmarket_platform.auth import TokenVerifier
from credmarket_platform.http.app_factory import create_service_app
from credmarket_platform.settings import ServiceSettings
from fastapi import APIRouter, Body


def _app(limit: int) -> Any:
    router = APIRouter()

    @router.post("/echo")
    async def echo(body: dict[str, Any] = Body()) -> dict[str, int]:
        return {"keys": len(body)}

    return create_service_app(
        ServiceSettings(http_max_body_bytes=limit),
        title="t",
        version="1",
        routers=[router],
        token_verifier=TokenVerifier([], audience="credmarket"),
        configure_logs=False,
    )


async def _chunks(size: int) -> AsyncIterator[bytes]:
    yield b'{"pad": "'
    for _ in range(size // 1024):
        yield b"x" * 1024
    yield b'"}'


async def test_a_chunked_body_past_the_limit_is_413_problem() -> None:
    transport = httpx.ASGITransport(app=_app(4096))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        big = await client.post(
            "/echo", content=_chunks(20_000), headers={"content-type": "application/json"}
        )
        assert big.status_code == 413, big.text
        assert big.headers["content-type"].startswith("application/problem+json")
        assert big.json()["type"] == "urn:credmarket:problem:request-too-large"
        claimed = await client.post(
            "/echo",
            content=b"{}",
            headers={"content-type": "application/json", "content-length": "999999"},
        )
        assert claimed.status_code == 413
        small = await client.post(
            "/echo", content=_chunks(2048), headers={"content-type": "application/json"}
        )
        assert small.status_code == 200, small.text
        assert small.json() == {"keys": 1}
