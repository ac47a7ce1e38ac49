"""`python3 -m credmarket_infra.setup` (what `./dev` runs before anything else):

doctor             each requirement, found or missing, and what fixes it (exit 1 if any missing)
ensure <command>   install what <command> (up, test, lint, validate) needs; print the uv to use
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from credmarket_infra.setup import requirements as req
from credmarket_infra.setup import system
from credmarket_infra.setup.install import SetupError, ensure, say


def fix_for(requirement: req.Requirement, distro: system.Distro) -> str:
    """The command that fixes a missing requirement on this machine."""
    if requirement.key == "uv":
        return "./dev up (installs it)"
    if requirement.optional:
        return requirement.by_hand
    packages = requirement.apt_packages(distro) if distro.debian_family else None
    if packages:
        sudo = "" if system.is_root() else "sudo "
        return f"./dev up (installs it), or {sudo}apt-get install -y {' '.join(packages)}"
    return requirement.by_hand


def doctor(root: Path) -> int:
    distro = system.distro()
    print(f"machine: {distro.pretty}, {'root' if system.is_root() else 'not root'}")
    ok = True
    for requirement in req.requirements(root):
        status = requirement.probe()
        state = "found" if status.found else ("fallback" if requirement.optional else "MISSING")
        needed = ",".join(requirement.needed_by)
        print(f"{requirement.name:<17} {state:<8} {needed:<22} {status.detail}")
        if not status.found:
            print(f"{'':<17} fix: {fix_for(requirement, distro)}")
            ok = ok and requirement.optional
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dev setup", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path.cwd())
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("doctor")
    ensure_parser = commands.add_parser("ensure")
    ensure_parser.add_argument("purpose", choices=req.PURPOSES)
    ensure_parser.add_argument("--quiet", action="store_true", help="no line when all is there")
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    if args.command == "doctor":
        return doctor(root)
    started = time.monotonic()
    try:
        uv = ensure(root, args.purpose)
    except SetupError as error:
        say(str(error))
        return 1
    if not args.quiet:
        say(f"requirements of `{args.purpose}` present ({time.monotonic() - started:.1f}s)")
    print(uv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
