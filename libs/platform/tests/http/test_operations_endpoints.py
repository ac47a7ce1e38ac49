"""Health, readiness, metrics, correlation ids, logs and the lifespan."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from credmarket_platform.http.app_factory import create_service_app
from credmarket_platform.observability.logging import (
    ContextFilter,
    JsonFormatter,
    bind_correlation_id,
    correlation_id_var,
)
from credmarket_platform.settings import ServiceSettings
from fastapi import APIRouter, FastAPI

router = APIRouter()


@router.get("/items/{item_id}")
async def item(item_id: str) -> dict[str, str | None]:
    return {"item": item_id, "correlation_id": correlation_id_var.get()}


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc")


async def _ok() -> None:
    return None


async def _down() -> None:
    raise ConnectionRefusedError("postgres://user:pw@10.0.0.1 refused")


async def _slow() -> None:
    await asyncio.sleep(10)


def _app(**kwargs: object) -> FastAPI:
    settings = ServiceSettings.model_validate({"service_name": "svc-test"})
    return create_service_app(
        settings,
        title="t",
        version="1",
        routers=[router],
        configure_logs=False,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_healthz_is_always_ok() -> None:
    async with _client(_app(ready_checks={"database": _down})) as client:
        response = await client.get("/healthz")
    assert response.status_code == 200


async def test_readyz_ok_when_all_checks_pass() -> None:
    async with _client(_app(ready_checks={"database": _ok, "kafka": _ok})) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "kafka": "ok"}


async def test_readyz_names_the_failed_check_without_leaking() -> None:
    async with _client(_app(ready_checks={"database": _down, "kafka": _ok})) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["checks"]["kafka"] == "ok"
    assert body["checks"]["database"].startswith("failed")
    assert "pw" not in response.text


async def test_readyz_times_out_a_hanging_check() -> None:
    from credmarket_platform.http import health

    app = FastAPI()
    app.include_router(health.health_router({"kafka": _slow}, timeout_s=0.05))
    async with _client(app) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert "timed out" in response.json()["checks"]["kafka"]


async def test_metrics_count_requests_by_route_template() -> None:
    async with _client(_app()) as client:
        await client.get("/items/a1")
        await client.get("/items/b2")
        await client.get("/nowhere")
        text = (await client.get("/metrics")).text
    assert 'route="/items/{item_id}"' in text
    assert "/items/a1" not in text
    assert 'route="<unmatched>",service="svc-test",status="404"' in text
    assert "credmarket_http_request_duration_seconds_bucket" in text


async def test_correlation_id_is_taken_from_the_request_or_made_up() -> None:
    async with _client(_app()) as client:
        given = await client.get("/items/x", headers={"X-Correlation-Id": "flow-42"})
        made = await client.get("/items/x")
        hostile = await client.get("/items/x", headers={"X-Correlation-Id": "bad id <script>"})
    assert given.headers["x-correlation-id"] == "flow-42"
    assert given.json()["correlation_id"] == "flow-42"
    assert made.headers["x-correlation-id"] == made.json()["correlation_id"]
    assert len(made.headers["x-request-id"]) == 36
    assert hostile.headers["x-correlation-id"] != "bad id <script>"


def test_json_log_line_has_the_contract_fields() -> None:
    record = logging.LogRecord(
        "credmarket.test", logging.INFO, __file__, 1, "hello %s", ("x",), None
    )
    record.order_id = "o-1"
    with bind_correlation_id("cid-1"):
        ContextFilter("catalog").filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "hello x"
    assert line["level"] == "INFO"
    assert line["logger"] == "credmarket.test"
    assert line["service"] == "catalog"
    assert line["correlation_id"] == "cid-1"
    assert line["order_id"] == "o-1"
    assert "ts" in line
    assert correlation_id_var.get() is None


async def test_lifespan_tasks_start_in_order_and_stop_in_reverse() -> None:
    events: list[str] = []

    def task(name: str):  # type: ignore[no-untyped-def]
        @asynccontextmanager
        async def run(app: FastAPI) -> AsyncIterator[None]:
            events.append(f"start {name}")
            yield
            events.append(f"stop {name}")

        return run

    app = _app(lifespan_tasks=[task("relay"), task("consumer")])
    async with app.router.lifespan_context(app):
        assert events == ["start relay", "start consumer"]
    assert events == ["start relay", "start consumer", "stop consumer", "stop relay"]


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
async def test_operations_endpoints_need_no_token(path: str) -> None:
    async with _client(_app()) as client:
        assert (await client.get(path)).status_code == 200
