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
    """What ``proc`` is part of. Services count only under the driver (its own System):
    another System's services on the same machine (a test run) are "other"."""
    chain: list[_Proc] = []
    current: _Proc | None = proc
    while current is not None and current not in chain:
        chain.append(current)
        current = procs.get(current.ppid)
    ours = any(p.pid == driver for p in chain)
    for current in chain:
        if current.pid == driver:
            return "driver"
        for service in SERVICES:
            if f"-m {service}" in current.cmdline:
                return service if ours else "other"
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
    return "other"


Snapshot = dict[int, tuple[str, float]]


def snapshot() -> Snapshot:
    """Per live process: its component and the CPU seconds it has used so far."""
    procs = _processes()
    driver = os.getpid()
    return {pid: (_component(proc, procs, driver), proc.cpu_s) for pid, proc in procs.items()}


def usage(before: Snapshot, after: Snapshot, seconds: float) -> dict[str, float]:
    """Share of one core each component used between two snapshots (1.0 = one full core).

    Per process, so a process that exits in between (a PostgreSQL backend, another
    run's service) takes nothing away; one that starts in between counts whole. What a
    process used between the first snapshot and its exit is lost: a lower bound.
    """
    totals: dict[str, float] = {}
    for pid, (name, cpu_s) in after.items():
        previous = before.get(pid)
        used = cpu_s - previous[1] if previous is not None and previous[0] == name else cpu_s
        totals[name] = totals.get(name, 0.0) + max(0.0, used)
    return {name: round(v / seconds, 3) for name, v in sorted(totals.items()) if v > 0}
