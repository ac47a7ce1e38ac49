"""Work a service repeats in the background while it runs: sweeps, reconciliation,
housekeeping of the plumbing's tables.

Each round is awaited before the pause begins, so rounds never overlap in one process;
several replicas may run the same work at once, which is why the work itself must be
safe for that (SKIP LOCKED claims, deletes by age). A round that fails is logged and
the next one comes after the usual pause: what fails here is mostly the database
being away for a while, and the next round is the retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

log = logging.getLogger(__name__)

PeriodicWork = Callable[[], Awaitable[object]]


@contextlib.asynccontextmanager
async def running_periodically(
    name: str, work: PeriodicWork, *, interval_s: float
) -> AsyncIterator[None]:
    """Run ``work`` now and then every ``interval_s`` after it ends, until the block exits."""

    async def loop() -> None:
        while True:
            try:
                await work()
            except Exception:
                log.warning("%s failed; next round in %s s", name, interval_s, exc_info=True)
            await asyncio.sleep(interval_s)

    task = asyncio.create_task(loop(), name=name)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def periodic_task(
    name: str, work: PeriodicWork, *, interval_s: float
) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """The same as a lifespan task for the app factory."""

    def task(_app: Any) -> AbstractAsyncContextManager[None]:
        return running_periodically(name, work, interval_s=interval_s)

    return task
