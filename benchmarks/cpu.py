"""CPU time per component of the system, from /proc: where a run's cores went.

A flow's cost in CPU milliseconds per component bounds throughput more plainly than
any latency: on this 2-core machine, 2,000 ms of CPU per second is all there is.
Processes are grouped by what they are (a service and its uvicorn workers, Kafka,
PostgreSQL, localstripe, the driver, everything else); time is user + system.
"""

from __future__ import annotations

import os

from credmarket_testing.processes import ProcessInfo, processes

SERVICES = ("catalog", "enrollment", "payments", "issuance")


def _component(proc: ProcessInfo, procs: dict[int, ProcessInfo], driver: int) -> str:
    """What ``proc`` is part of. Services count only under the driver (its own System):
    another System's services on the same machine (a test run) are "other"."""
    chain: list[ProcessInfo] = []
    current: ProcessInfo | None = proc
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
    procs = processes()
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
