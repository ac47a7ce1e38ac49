"""Install what a command needs and is missing: Debian/Ubuntu packages with apt-get, uv
into a private virtual environment. Says what it does; says what to do when it cannot."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from credmarket_infra.setup import requirements as req
from credmarket_infra.setup import system


class SetupError(RuntimeError):
    """Something needed is missing and cannot be installed here; the message says what to do."""


def say(message: str) -> None:
    print(f"setup: {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Plan:
    """What a command needs that is missing, and what apt would do about it."""

    missing: list[req.Requirement]
    needs_private_uv: bool
    needs_venv_package: bool  # python3 -m venv needs python3-venv first (Debian, Ubuntu)


def plan(root: Path, purpose: str) -> Plan:
    needed = [r for r in req.requirements(root) if purpose in r.needed_by and not r.optional]
    missing = [r for r in needed if not r.probe().found]
    uv_missing = any(r.key == "uv" for r in missing)
    return Plan(
        missing=[r for r in missing if r.key != "uv"],
        needs_private_uv=uv_missing,
        needs_venv_package=uv_missing and not req.venv_works(),
    )


def setup_log(root: Path) -> Path:
    logs = root / ".stack" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    return logs / "setup.log"


def _run_logged(args: list[str], log: Path, what: str, hint: str) -> None:
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(args)}\n")
        out.flush()
        done = subprocess.run(  # noqa: S603 - fixed argv built here
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            check=False,
        )
    if done.returncode != 0:
        tail = "".join(log.read_text().splitlines(keepends=True)[-15:])
        raise SetupError(f"{what} failed (exit {done.returncode}); {hint}\n--- {log} ---\n{tail}")


def _by_hand(missing: list[req.Requirement]) -> str:
    return "\n".join(f"  - {r.name}: {r.by_hand}" for r in missing)


def install_with_apt(root: Path, missing: list[req.Requirement], venv_package: bool) -> None:
    distro = system.distro()
    names = [r.name for r in missing] + (["python3-venv"] if venv_package else [])
    if not distro.debian_family or system.apt_get() is None:
        raise SetupError(
            f"missing: {', '.join(names)}. This is {distro.pretty}; ./dev installs packages "
            f"only on Debian or Ubuntu (apt-get). Install by hand:\n{_by_hand(missing)}"
        )
    if not system.is_root():
        guess = [p for r in missing for p in (r.apt_packages(distro) or [])]
        guess += ["python3-venv"] if venv_package else []
        raise SetupError(
            f"missing: {', '.join(names)}. Installing needs root: run `sudo ./dev …`, or "
            f"`sudo apt-get install -y {' '.join(guess) or '…'}` and ./dev again."
        )
    log = setup_log(root)
    started = time.monotonic()
    say(f"missing {', '.join(names)}: apt-get update (log {log})")
    _run_logged(
        system.apt_command("update"),
        log,
        "apt-get update",
        "is the network or the Debian/Ubuntu mirror reachable?",
    )
    packages: list[str] = ["python3-venv"] if venv_package else []
    unavailable: list[req.Requirement] = []
    for requirement in missing:
        provided = requirement.apt_packages(distro)
        if provided:
            packages += provided
        else:
            unavailable.append(requirement)
    if unavailable:
        raise SetupError(
            f"{distro.pretty} has no package for: {', '.join(r.name for r in unavailable)}. "
            f"Install by hand:\n{_by_hand(unavailable)}"
        )
    say(f"apt-get install {' '.join(packages)}")
    _run_logged(
        system.apt_command("install", "--no-install-recommends", *packages),
        log,
        f"apt-get install {' '.join(packages)}",
        "see the log",
    )
    still = [r for r in missing if not r.probe().found]
    if still:
        details = "; ".join(f"{r.name}: {r.probe().detail}" for r in still)
        raise SetupError(f"installed {' '.join(packages)} but still missing: {details}")
    say(f"installed {' '.join(packages)} ({time.monotonic() - started:.0f}s)")


# Debian's and Ubuntu's bundle of every CA the machine trusts (update-ca-certificates).
SYSTEM_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def _system_certificates() -> list[str]:
    """pip in a fresh venv trusts only its own copy of certifi; trust what the machine trusts
    (a proxy's CA added to the system store), unless the user chose with PIP_CERT."""
    if "PIP_CERT" in os.environ or not SYSTEM_CA_BUNDLE.is_file():
        return []
    return ["--cert", str(SYSTEM_CA_BUNDLE)]


def install_private_uv(root: Path) -> str:
    home = req.private_uv_home(root)
    log = setup_log(root)
    started = time.monotonic()
    say(f"installing uv {req.UV_PINNED} from PyPI into {home} (log {log})")
    if home.exists():
        shutil.rmtree(home)  # an older pin or a broken half-install
    home.parent.mkdir(parents=True, exist_ok=True)
    hint = "is PyPI reachable?"
    _run_logged([sys.executable, "-m", "venv", str(home)], log, "python3 -m venv", hint)
    _run_logged(
        [
            str(home / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "--quiet",
            *_system_certificates(),
            f"uv=={req.UV_PINNED}",
        ],
        log,
        f"pip install uv=={req.UV_PINNED}",
        hint,
    )
    found = req.find_uv(root)
    if found is None:
        raise SetupError(f"uv {req.UV_PINNED} was installed but does not run: see {log}")
    say(f"uv {req.UV_PINNED} ready ({time.monotonic() - started:.0f}s)")
    return found


def ensure(root: Path, purpose: str) -> str:
    """Make everything `purpose` needs present; return the uv to use."""
    todo = plan(root, purpose)
    if todo.missing or todo.needs_venv_package:
        install_with_apt(root, todo.missing, todo.needs_venv_package)
    if todo.needs_private_uv:
        return install_private_uv(root)
    found = req.find_uv(root)
    if found is None:  # plan() saw it; only a race with another ./dev could get here
        raise SetupError("uv disappeared while setting up; run ./dev again")
    return found
