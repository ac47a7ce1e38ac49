"""Wait on a condition with a deadline, never a fixed sleep."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable


class StartupError(RuntimeError):
    """A component did not come up; the message says where to look."""


async def wait_until(
    probe: Callable[[], Awaitable[bool]],
    *,
    timeout: float,  # noqa: ASYNC109 - a deadline that also checks the process is alive
    what: str,
    still_running: Callable[[], bool] = lambda: True,
    interval: float = 0.25,
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if await probe():
            return
        if not still_running():
            raise StartupError(f"{what}: process exited before becoming ready")
        if time.monotonic() > deadline:
            raise StartupError(f"{what}: not ready after {timeout:.0f}s")
        await asyncio.sleep(interval)


def port_is_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def tail(path: object, lines: int = 30) -> str:
    try:
        with open(str(path), errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError:
        return ""
