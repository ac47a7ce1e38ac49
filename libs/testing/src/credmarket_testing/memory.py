"""Resident memory of running service processes, read from /proc (Linux)."""

from __future__ import annotations

import os
from pathlib import Path

from credmarket_testing.system import SERVICE_NAMES, System


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command: state, ppid, pgrp, ...
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def rss_bytes(pid: int) -> int:
    """Resident memory of a service: its process and any workers in its process group."""
    total = 0
    for member in _group_members(os.getpgid(pid)):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def service_rss(system: System) -> dict[str, int]:
    out = {}
    for name in SERVICE_NAMES:
        proc = system.replicas[name][0].proc
        assert proc is not None
        out[name] = rss_bytes(proc.pid)
    return out
