"""Wait for a condition, never for a fixed time."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable


async def wait_until(
    predicate: Callable[[], bool | Awaitable[bool]],
    timeout: float = 10.0,  # noqa: ASYNC109 - the contract is a plain number of seconds
    interval: float = 0.05,
    message: str | Callable[[], str] = "condition not met",
) -> None:
    """Poll `predicate` (sync or async) until it is truthy; AssertionError after `timeout`.

    `message` may be a function: it is called on failure, so it can say what was last seen.
    """
    deadline = time.monotonic() + timeout
    while True:
        outcome = predicate()
        if inspect.isawaitable(outcome):
            outcome = await outcome
        if outcome:
            return
        if time.monotonic() >= deadline:
            said = message() if callable(message) else message
            raise AssertionError(f"{said} (after {timeout:.1f}s)")
        await asyncio.sleep(interval)


def wait_until_sync(
    predicate: Callable[[], bool],
    timeout: float = 10.0,
    interval: float = 0.05,
    message: str = "condition not met",
) -> None:
    """`wait_until` for code that has no event loop (a thread's fixture, a hypothesis
    state machine's rule): poll `predicate` until it is truthy."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"{message} (after {timeout:.1f}s)")
        time.sleep(interval)
