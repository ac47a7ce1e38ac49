"""The machine's processes as /proc shows them: parents, state and CPU time."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ProcessInfo", "children", "processes"]

_TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    ppid: int
    state: str
    cpu_s: float  # user + system so far
    comm: str
    cmdline: str


def processes() -> dict[int, ProcessInfo]:
    """Every process readable now, by pid (one that exits while being read is left out)."""
    found: dict[int, ProcessInfo] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        # fields[0] is state, [1] ppid, [11]/[12] utime/stime in clock ticks.
        cpu = (int(fields[11]) + int(fields[12])) / _TICK
        pid = int(entry.name)
        found[pid] = ProcessInfo(pid, int(fields[1]), fields[0], cpu, comm, cmdline)
    return found


def children(pid: int) -> set[int]:
    return {p.pid for p in processes().values() if p.ppid == pid}
