"""What every benchmark shares: the stack's addresses, load, percentiles, machine facts."""

from __future__ import annotations

import os
import platform
import signal
import statistics
import sys
from pathlib import Path
from typing import Any

from credmarket_testing.infra import Infra, infra_from_env, read_env_file

ROOT = Path(__file__).resolve().parent.parent
STACK = ROOT / ".stack"


def stack_env() -> dict[str, str]:
    """The local stack's addresses and dev secrets, overridden by the environment."""
    values: dict[str, str] = {}
    for name in ("stack.env", "secrets.env"):
        path = STACK / name
        if path.exists():
            values.update(read_env_file(path))
    values.update(os.environ)
    return values


def stack_infra() -> Infra:
    infra = infra_from_env(stack_env())
    if infra is None:
        raise SystemExit("no CREDMARKET_KAFKA_BOOTSTRAP: run `./dev up` first")
    return infra


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def percentiles(values: list[float], digits: int = 2) -> dict[str, float | int]:
    """count, p50, p95, p99, max and mean of ``values`` (whatever unit they are in)."""
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def pct(p: float) -> float:
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
        return round(ordered[index], digits)

    return {
        "count": len(ordered),
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "max": round(ordered[-1], digits),
        "mean": round(statistics.fmean(ordered), digits),
    }


def machine() -> dict[str, Any]:
    """Cores, memory, CPU model, kernel and load: what every figure must be read next to."""
    mem_kib = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_1_5_15": loadavg(),
    }


def stop_cleanly_on_sigterm() -> None:
    """SIGTERM (``timeout``, a CI runner) ends a benchmark like Ctrl-C: asyncio.run then
    cancels the run, so its ``finally`` stops the services it started. Without this
    they outlived it (own sessions, reparented to init), using CPU in later runs."""
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
