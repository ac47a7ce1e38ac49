"""Liveness and readiness probes.

``/healthz`` answers while the process can serve HTTP at all (restart me if not).
``/readyz`` answers 200 only when every dependency check passes (send me traffic);
otherwise a 503 problem naming the failed checks, so a load balancer drains this
replica while e.g. the database is away, without restarting it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import APIRouter
from starlette.responses import JSONResponse, Response

from credmarket_platform.http.problems import problem_response

ReadyCheck = Callable[[], Awaitable[Any]]

logger = logging.getLogger("credmarket.http.health")


async def _run_check(check: ReadyCheck, timeout_s: float) -> str:
    try:
        await asyncio.wait_for(check(), timeout=timeout_s)
    except TimeoutError:
        return f"timed out after {timeout_s:g}s"
    except Exception as exc:
        # The exception type is enough for ops; its message may carry DSNs or hosts.
        return f"failed: {type(exc).__name__}"
    return "ok"


def health_router(
    ready_checks: Mapping[str, ReadyCheck] | None = None, *, timeout_s: float = 2.0
) -> APIRouter:
    checks = dict(ready_checks or {})
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness probe")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="Readiness probe: database and broker reachable",
        responses={503: {"description": "A dependency is unavailable"}},
    )
    async def readyz() -> Response:
        names = list(checks)
        results = await asyncio.gather(*(_run_check(checks[n], timeout_s) for n in names))
        outcome = dict(zip(names, results, strict=True))
        failed = [name for name, result in outcome.items() if result != "ok"]
        if failed:
            logger.warning("not ready: %s", outcome, extra={"checks": outcome})
            return problem_response(
                503,
                "Not ready",
                f"Failed check(s): {', '.join(failed)}.",
                checks=outcome,
                headers={"Retry-After": "5"},
            )
        return JSONResponse({"status": "ready", "checks": outcome})

    return router


def kafka_metadata_check(bootstrap_servers: str, *, timeout_s: float = 2.0) -> ReadyCheck:
    """A ready check that connects to the broker and fetches cluster metadata."""

    async def check() -> None:
        from aiokafka import AIOKafkaClient

        client = AIOKafkaClient(
            bootstrap_servers=bootstrap_servers, request_timeout_ms=int(timeout_s * 1000)
        )
        try:
            await client.bootstrap()
        finally:
            await client.close()

    return check
