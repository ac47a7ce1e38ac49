"""One service of a `System` as an operating-system process: started, waited for until
ready, stopped gracefully or killed outright, its log at hand."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from credmarket_testing.wait import wait_until


def migrations_dir(service: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(service)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"service package {service!r} is not installed")
    return Path(spec.origin).parent / "db" / "migrations"


class ProcessExitedError(AssertionError):
    """The process ended while it was waited for: waiting longer would not help."""


@dataclass
class ServiceProcess:
    """One running replica of one service."""

    service: str
    replica: int
    port: int
    env: dict[str, str]
    log_file: Path
    proc: asyncio.subprocess.Process | None = None

    @property
    def name(self) -> str:
        return f"{self.service}-{self.replica}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_file.open("ab")
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                self.service,
                env=self.env,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()

    async def wait_ready(self, timeout_s: float = 90.0) -> None:
        last = "no answer"
        async with httpx.AsyncClient(timeout=2.0) as client:

            async def ready() -> bool:
                nonlocal last
                if self.proc is not None and self.proc.returncode is not None:
                    raise ProcessExitedError(f"{self.name} exited:\n{self.tail_log()}")
                try:
                    response = await client.get(f"{self.base_url}/readyz")
                except httpx.HTTPError as exc:
                    last = repr(exc)
                    return False
                last = f"{response.status_code} {response.text[:300]}"
                return response.status_code == 200

            try:
                await wait_until(ready, timeout=timeout_s, interval=0.2)
            except ProcessExitedError:
                raise
            except AssertionError:
                raise AssertionError(
                    f"{self.name} not ready in {timeout_s}s ({last})\n{self.tail_log()}"
                ) from None

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, no offsets committed, no outbox flushed."""
        if self.proc is not None and self.proc.returncode is None:
            # The whole group: with web_workers > 1 the workers are children.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)

    async def stop(self, timeout_s: float = 20.0) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        try:
            self.proc.send_signal(signal.SIGTERM)
        except ProcessLookupError:  # already gone, e.g. killed with its caller's group
            await self.proc.wait()
            return
        try:
            await asyncio.wait_for(self.proc.wait(), timeout=timeout_s)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()

    async def wait_exit(self) -> int:
        assert self.proc is not None
        return await self.proc.wait()

    def tail_log(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"
