"""Our own nginx master process: config and files under one prefix directory.

Never the system's nginx service: `nginx -p <prefix> -c <prefix>/nginx.conf -e stderr`
with `daemon off`, so the process we start is the master, its pid is the one to
signal (TERM to stop, HUP to reload), and nothing is written outside the prefix.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from credmarket_infra.setup import requirements

CONF_NAME = "nginx.conf"


class GatewayError(RuntimeError):
    """nginx is missing, refused its config, or did not come up."""


def nginx_binary() -> str:
    found = requirements.nginx_binary()
    if found is None:
        raise GatewayError("nginx is not installed; `./dev up` installs it (see `./dev doctor`)")
    return found


def conf_path(prefix_dir: Path) -> Path:
    return prefix_dir / CONF_NAME


def write_conf(prefix_dir: Path, text: str) -> Path:
    """Write the config and the directories it names; check it with `nginx -t`."""
    for sub in ("logs", "temp"):
        (prefix_dir / sub).mkdir(parents=True, exist_ok=True)
    path = conf_path(prefix_dir)
    candidate = path.with_suffix(".conf.new")
    candidate.write_text(text)
    result = subprocess.run(  # noqa: S603 - fixed argv, our own files
        [*nginx_args(prefix_dir, candidate), "-t", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise GatewayError(f"nginx refused the gateway config {candidate}:\n{result.stderr}")
    candidate.replace(path)
    return path


def nginx_args(prefix_dir: Path, conf: Path | None = None) -> list[str]:
    conf = conf or conf_path(prefix_dir)
    return [nginx_binary(), "-p", f"{prefix_dir}/", "-c", str(conf), "-e", "stderr"]


def answers(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/gateway/live", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def wait_ready(base_url: str, alive: Callable[[], bool], timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if answers(base_url):
            return
        if not alive():
            raise GatewayError("nginx exited before answering")
        time.sleep(0.1)
    raise GatewayError(f"gateway at {base_url} not answering after {timeout_s:.0f}s")


async def wait_ready_async(
    base_url: str, alive: Callable[[], bool], timeout_s: float = 15.0
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    async with httpx.AsyncClient(timeout=1.0) as client:
        while loop.time() < deadline:
            try:
                if (await client.get(f"{base_url}/gateway/live")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if not alive():
                raise GatewayError("nginx exited before answering")
            await asyncio.sleep(0.1)
    raise GatewayError(f"gateway at {base_url} not answering after {timeout_s:.0f}s")
