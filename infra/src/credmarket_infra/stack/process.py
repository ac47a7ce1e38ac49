"""Background processes tracked by pid files: start detached, check, stop without leftovers."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


def read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None


def is_alive(pid: int) -> bool:
    """True for a live process; a zombie counts as dead (our parent may be a non-reaping init)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state != "Z"


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def running_pid(pid_file: Path, marker: str) -> int | None:
    """The pid from the file if that process is alive and still ours (pids get reused)."""
    pid = read_pid(pid_file)
    if pid is None or not is_alive(pid):
        return None
    if marker and marker not in cmdline(pid):
        return None
    return pid


def spawn(
    args: Sequence[str],
    *,
    pid_file: Path,
    log_file: Path,
    cwd: Path,
    env: Mapping[str, str] | None = None,
) -> int:
    """Start detached in its own session, so it outlives the CLI and `down` can kill its group."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        proc = subprocess.Popen(  # noqa: S603 - args are built by the stack, not user input
            list(args),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pid_file.write_text(f"{proc.pid}\n")
    return proc.pid


def wait_for_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return True
        time.sleep(0.1)
    return not is_alive(pid)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def terminate(pid: int, timeout: float = 20.0) -> None:
    """SIGTERM the process group, wait, then SIGKILL what is left."""
    _signal_group(pid, signal.SIGTERM)
    if not wait_for_exit(pid, timeout):
        _signal_group(pid, signal.SIGKILL)
        wait_for_exit(pid, 5.0)


def stop_pid_file(pid_file: Path, marker: str, timeout: float = 20.0) -> bool:
    """Stop the process behind a pid file; True if something was running."""
    pid = running_pid(pid_file, marker)
    if pid is not None:
        terminate(pid, timeout)
    pid_file.unlink(missing_ok=True)
    return pid is not None
