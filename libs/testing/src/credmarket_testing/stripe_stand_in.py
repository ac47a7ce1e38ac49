"""A Stripe stand-in of a test's own, that the test can stop and start again.

The local stack's stand-in serves every test and the developer's stack; stopping it
would be everyone's outage. A ``System`` with ``private_stripe=True`` runs this one
instead: the same server (credmarket_infra.stack.localstripe_server) on a free port,
its store in the system's directory. ``stop()`` is a graceful shutdown (the store,
idempotency keys included, is saved), so ``start()`` brings back the same Stripe, as
after an outage: what was made before is there, what was asked during was refused.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import httpx

from credmarket_testing.ports import free_port
from credmarket_testing.wait import wait_until

MODULE = "credmarket_infra.stack.localstripe_server"


class StripeStandIn:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def start(self, timeout_s: float = 60.0) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        log = (self.directory / "localstripe.log").open("ab")
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                MODULE,
                "--port",
                str(self.port),
                "--state",
                str(self.directory / "state.pickle"),
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        await self._wait_answering(timeout_s)

    async def _wait_answering(self, timeout_s: float) -> None:
        async with httpx.AsyncClient(timeout=2.0) as http:

            async def answers() -> bool:
                if not self.running:
                    raise AssertionError(f"the Stripe stand-in exited:\n{self.tail_log()}")
                try:
                    await http.get(f"{self.api_base}/v1/customers")
                except httpx.HTTPError:
                    return False
                return True  # any answer, even 401, means it serves

            await wait_until(
                answers,
                timeout=timeout_s,
                interval=0.1,
                message="the Stripe stand-in did not answer",
            )

    async def stop(self, timeout_s: float = 20.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.returncode is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), timeout=timeout_s)
        except TimeoutError:
            proc.kill()
            await proc.wait()

    def tail_log(self, lines: int = 30) -> str:
        try:
            text = (self.directory / "localstripe.log").read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])
