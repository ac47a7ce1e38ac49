"""Run the independent OpenID4VCI test wallet (tests/wallet, on @openid4vc/openid4vci).

Its npm packages are installed from the committed lockfile the first time a test needs them.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

WALLET_DIR = Path(__file__).resolve().parents[4] / "tests" / "wallet"


def _installed() -> bool:
    return (WALLET_DIR / "node_modules" / "@openid4vc" / "openid4vci" / "package.json").is_file()


def _install() -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed: ./dev test installs Node.js and npm")
    # Parallel test processes share the folder: one installs, the others wait for it.
    with open(WALLET_DIR / ".npm-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed():
            return
        done = subprocess.run(  # noqa: S603 - npm from PATH, fixed arguments
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=WALLET_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"npm ci in {WALLET_DIR} failed:\n{done.stdout[-1000:]}{done.stderr[-1000:]}"
            )


async def run_wallet(**arguments: Any) -> dict[str, Any]:
    """One wallet run (offer, txCode, binding, alg); its one-line JSON answer."""
    if not _installed():
        await asyncio.to_thread(_install)
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not installed: ./dev test installs Node.js")
    process = await asyncio.create_subprocess_exec(
        node,
        "wallet.mjs",
        json.dumps(arguments),
        cwd=WALLET_DIR,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    lines = out.decode().strip().splitlines()
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"the wallet crashed ({process.returncode}): {err.decode()[-2000:]}")
    answer: dict[str, Any] = json.loads(lines[-1])
    return answer
