"""The localstripe component: a Stripe-compatible API for dev and tests."""

from __future__ import annotations

import asyncio
import sys

import httpx

from credmarket_infra.stack import process
from credmarket_infra.stack.config import HOST, StackConfig
from credmarket_infra.stack.waiting import StartupError, port_is_open, tail, wait_until

NAME = "localstripe"
MODULE = "credmarket_infra.stack.localstripe_server"
READY_TIMEOUT = 30.0


async def answers(api_base: str) -> bool:
    # Any HTTP answer (even 401 without a key) means the server is serving.
    try:
        async with httpx.AsyncClient(timeout=2.0) as client:
            await client.get(f"{api_base}/v1/customers")
        return True
    except httpx.HTTPError:
        return False


def pid(config: StackConfig) -> int | None:
    return process.running_pid(config.pid_file(NAME), MODULE)


def up(config: StackConfig) -> None:
    if pid(config) is None:
        if port_is_open(HOST, config.stripe_port):
            raise StartupError(f"localstripe: port {config.stripe_port} is taken")
        process.spawn(
            [
                sys.executable,
                "-m",
                MODULE,
                "--host",
                HOST,
                "--port",
                str(config.stripe_port),
                "--state",
                str(config.stack_dir / "localstripe" / "state.pickle"),
            ],
            pid_file=config.pid_file(NAME),
            log_file=config.log_file(NAME),
            cwd=config.stack_dir,
        )
    try:
        asyncio.run(
            wait_until(
                lambda: answers(config.stripe_api_base),
                timeout=READY_TIMEOUT,
                what="localstripe",
                still_running=lambda: pid(config) is not None,
            )
        )
    except StartupError as error:
        raise StartupError(f"{error}\n{tail(config.log_file(NAME))}") from error


def down(config: StackConfig) -> bool:
    return process.stop_pid_file(config.pid_file(NAME), MODULE, timeout=10.0)
