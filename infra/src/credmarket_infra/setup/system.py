"""The machine we run on: which distribution, whether we are root, what apt offers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

# apt waits this long for a dpkg lock another apt (or another engineer) holds.
APT_LOCK_TIMEOUT_S = 600


@dataclass(frozen=True)
class Distro:
    """What /etc/os-release says, e.g. id "debian", like ("debian",), version "12"."""

    id: str
    like: tuple[str, ...]
    version: str
    pretty: str

    @property
    def debian_family(self) -> bool:
        return self.id in ("debian", "ubuntu") or "debian" in self.like or "ubuntu" in self.like

    @property
    def ubuntu(self) -> bool:
        return self.id == "ubuntu" or "ubuntu" in self.like


def parse_os_release(text: str) -> Distro:
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip().strip('"')
    return Distro(
        id=values.get("ID", "unknown"),
        like=tuple(values.get("ID_LIKE", "").split()),
        version=values.get("VERSION_ID", ""),
        pretty=values.get("PRETTY_NAME", values.get("ID", "an unknown system")),
    )


def distro() -> Distro:
    for candidate in (Path("/etc/os-release"), Path("/usr/lib/os-release")):
        if candidate.is_file():
            return parse_os_release(candidate.read_text())
    return Distro(id="unknown", like=(), version="", pretty="an unknown system")


def is_root() -> bool:
    return os.geteuid() == 0


def apt_get() -> str | None:
    return shutil.which("apt-get")


def run_quiet(args: list[str], timeout: float = 60.0) -> str | None:
    """stdout+stderr of a command, or None when it is missing or fails."""
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv built by this package
            args, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout + done.stderr if done.returncode == 0 else None


_CANDIDATE = re.compile(r"^\s*Candidate:\s*(\S+)", re.MULTILINE)


def apt_candidate(package: str) -> str | None:
    """The version apt would install (None: unknown to apt, or no apt lists yet)."""
    policy = run_quiet(["apt-cache", "policy", package])
    found = _CANDIDATE.search(policy or "")
    if found is None or found.group(1) == "(none)":
        return None
    return found.group(1)


def apt_command(*args: str) -> list[str]:
    return [
        apt_get() or "apt-get",
        "-y",
        "-q",
        "-o",
        f"DPkg::Lock::Timeout={APT_LOCK_TIMEOUT_S}",
        *args,
    ]
