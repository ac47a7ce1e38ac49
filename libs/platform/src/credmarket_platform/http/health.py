"""Liveness and readiness probes.

``/healthz`` answers while the process can serve HTTP at all (restart me if not).
``/readyz`` answers 200 only when every dependency check passes (send me traffic);
otherwise a 503 problem naming the failed checks, so a load balancer drains this
replica while e.g. the database is away, without restarting it.
"""

from __future__ import annotations

import asyncio
import logging
import time
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


class ReadinessCache:
    """The last readiness outcome, kept ``ttl_s`` and computed by one caller at a time.

    Each check opens a broker connection or pings a database: asked per request, a
    flood of probes (or of public health pages) became that many connections. Here a
    burst costs one round of checks per ``ttl_s``; concurrent askers share it.
    """

    def __init__(
        self,
        checks: Mapping[str, ReadyCheck],
        *,
        timeout_s: float,
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._checks = dict(checks)
        self._timeout_s = timeout_s
        self._ttl_s = ttl_s
        self._clock = clock
        self._lock = asyncio.Lock()
        self._outcome: dict[str, str] | None = None
        self._at = 0.0
        self.rounds = 0

    def _fresh(self) -> dict[str, str] | None:
        if self._outcome is not None and self._clock() - self._at < self._ttl_s:
            return self._outcome
        return None

    async def outcome(self) -> dict[str, str]:
        fresh = self._fresh()
        if fresh is not None:
            return fresh
        async with self._lock:
            fresh = self._fresh()  # another caller may have just computed it
            if fresh is not None:
                return fresh
            names = list(self._checks)
            results = await asyncio.gather(
                *(_run_check(self._checks[n], self._timeout_s) for n in names)
            )
            self.rounds += 1
            self._outcome = dict(zip(names, results, strict=True))
            self._at = self._clock()
            return self._outcome


def health_router(
    ready_checks: Mapping[str, ReadyCheck] | None = None,
    *,
    timeout_s: float = 2.0,
    cache_s: float = 1.0,
) -> APIRouter:
    readiness = ReadinessCache(ready_checks or {}, timeout_s=timeout_s, ttl_s=cache_s)
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness probe")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="Readiness probe: database and broker reachable (checked at most once a second)",
        responses={503: {"description": "A dependency is unavailable"}},
    )
    async def readyz() -> Response:
        outcome = await readiness.outcome()
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
