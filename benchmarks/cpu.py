"""CPU time per component of the system, from /proc: where a run's cores went.

A flow's cost in CPU milliseconds per component bounds throughput more plainly than
any latency: on this 2-core machine, 2,000 ms of CPU per second is all there is.
Processes are grouped by what they are (a service and its uvicorn workers, Kafka,
PostgreSQL, localstripe, the driver, everything else); time is user + system.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SERVICES = ("catalog", "enrollment", "payments", "issuance")
_TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class _Proc:
    pid: int
    ppid: int
    cpu_s: float
    comm: str
    cmdline: str


def _processes() -> dict[int, _Proc]:
    found: dict[int, _Proc] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        # fields[0] is state; ppid is fields[1]; utime/stime are fields[11]/[12].
        cpu = (int(fields[11]) + int(fields[12])) / _TICK
        found[int(entry.name)] = _Proc(int(entry.name), int(fields[1]), cpu, comm, cmdline)
    return found


def _component(proc: _Proc, procs: dict[int, _Proc], driver: int) -> str:
    seen: set[int] = set()
    current: _Proc | None = proc
    while current is not None and current.pid not in seen:
        seen.add(current.pid)
        if current.pid == driver:
            return "driver"
        for service in SERVICES:
            if f"-m {service}" in current.cmdline:
                return service
        if "localstripe" in current.cmdline:
            return "localstripe"
        if current.comm == "postgres":
            return "postgresql"
        if current.comm == "java" and "kafka" in current.cmdline.lower():
            return "kafka"
        if "nginx" in current.comm:
            return "gateway"
        if "vegeta" in current.comm:
            return "load generator"
        current = procs.get(current.ppid)
    return "other"


def snapshot() -> dict[str, float]:
    """CPU seconds used so far, per component, by the processes alive now."""
    procs = _processes()
    driver = os.getpid()
    totals: dict[str, float] = {}
    for proc in procs.values():
        name = _component(proc, procs, driver)
        totals[name] = totals.get(name, 0.0) + proc.cpu_s
    return totals


def usage(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, float]:
    """Share of one core each component used between two snapshots (1.0 = one full core)."""
    return {
        name: round(max(0.0, after.get(name, 0.0) - before.get(name, 0.0)) / seconds, 3)
        for name in sorted(after)
        if after.get(name, 0.0) - before.get(name, 0.0) > 0
    }
