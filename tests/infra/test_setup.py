"""Machine set-up (credmarket_infra.setup): what `./dev` finds, installs, and says.

Unit tests fake the machine (probes, apt, root); the last ones run the real module the way
`./dev` does, with no site-packages at all, on this machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from credmarket_infra.setup import install, system, versions
from credmarket_infra.setup import requirements as req
from credmarket_infra.setup.__main__ import doctor

ROOT = Path(__file__).resolve().parents[2]
DEBIAN_12 = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'
UBUNTU_24 = 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"\n'
FEDORA = 'PRETTY_NAME="Fedora Linux 41"\nID=fedora\nVERSION_ID=41\n'


@pytest.mark.parametrize(
    ("banner", "expected"),
    [
        ('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment', (17, 0, 15)),
        ('openjdk version "21" 2023-09-19', (21,)),
        ('java version "1.8.0_392"', (8, 0)),
        ("no version here", None),
    ],
)
def test_java_version_is_read_from_the_banner(
    banner: str, expected: tuple[int, ...] | None
) -> None:
    assert versions.java_version(banner) == expected


def test_uv_and_go_versions_are_read_from_their_banners() -> None:
    assert versions.uv_version("uv 0.13.9 (x86_64-unknown-linux-gnu)\n") == (0, 13, 9)
    assert versions.uv_version("something else 1.2.3") is None
    assert versions.go_version("go version go1.26.8 linux/amd64") == (1, 26, 8)
    assert versions.go_version("go version go1.24 linux/amd64") == (1, 24)


def test_os_release_tells_the_debian_family() -> None:
    debian = system.parse_os_release(DEBIAN_12)
    ubuntu = system.parse_os_release(UBUNTU_24)
    fedora = system.parse_os_release(FEDORA)

    assert (debian.id, debian.version, debian.debian_family, debian.ubuntu) == (
        "debian",
        "12",
        True,
        False,
    )
    assert ubuntu.debian_family
    assert ubuntu.ubuntu
    assert not fedora.debian_family
    assert fedora.pretty == "Fedora Linux 41"


def test_the_python_set_up_expects_is_the_one_pyproject_requires() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    low, below = versions.show(req.PYTHON_MIN), versions.show(req.PYTHON_BELOW)

    assert pyproject["project"]["requires-python"] == f">={low},<{below}"
    for member in [*ROOT.glob("*/*/pyproject.toml"), ROOT / "infra" / "pyproject.toml"]:
        declared = tomllib.loads(member.read_text())["project"]["requires-python"]
        assert declared == f">={low},<{below}", member
    assert req.PYTHON_SUPPORTED == [(3, 11), (3, 12), (3, 13)]


def test_the_pinned_uv_satisfies_the_minimum() -> None:
    assert versions.parse(req.UV_PINNED) >= req.UV_MIN


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        # Debian 12: the default is 17; Debian 13 and Ubuntu 24.04: 21.
        (
            {"default-jre-headless": "2:1.17-74", "openjdk-17-jre-headless": "17"},
            ["default-jre-headless"],
        ),
        ({"default-jre-headless": "2:1.21-76"}, ["default-jre-headless"]),
        # Ubuntu 22.04: the default is 11, too old for Kafka 4; 17 is there.
        (
            {"default-jre-headless": "2:1.11-72build2", "openjdk-17-jre-headless": "17.0.13"},
            ["openjdk-17-jre-headless"],
        ),
        ({"openjdk-21-jre-headless": "21.0.5"}, ["openjdk-21-jre-headless"]),
        ({}, None),
    ],
)
def test_java_comes_from_the_distribution_when_new_enough(
    monkeypatch: pytest.MonkeyPatch, candidates: dict[str, str], expected: list[str] | None
) -> None:
    monkeypatch.setattr(system, "apt_candidate", candidates.get)

    assert req.java_packages(system.parse_os_release(DEBIAN_12)) == expected


def test_chromium_is_not_taken_from_ubuntus_snap_only_package() -> None:
    assert req.chromium_packages(system.parse_os_release(DEBIAN_12)) == ["chromium"]
    assert req.chromium_packages(system.parse_os_release(UBUNTU_24)) is None


def test_each_command_needs_what_it_runs() -> None:
    needs = {r.key: set(r.needed_by) for r in req.requirements(ROOT)}

    assert needs["uv"] == needs["python"] == {"up", "test", "lint", "validate"}
    for stack_part in ("java", "maven", "postgres", "nginx"):
        assert needs[stack_part] == {"up", "test"}
    assert needs["chromium"] == needs["libatomic"] == {"test"}  # only the browser tests
    assert needs["node"] == {"test"}  # only the npm-based test tools (the test wallet)
    assert needs["go"] == {"validate"}


def test_node_must_be_new_enough_and_come_with_npm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(req, "_which", lambda name, *_: f"/usr/bin/{name}")
    monkeypatch.setattr(system, "run_quiet", lambda _argv: "v16.20.2\n")
    assert not req.probe_node().found
    monkeypatch.setattr(system, "run_quiet", lambda _argv: "v18.19.0\n")
    assert req.probe_node() == req.Status(True, "/usr/bin/node (18.19.0), /usr/bin/npm")
    monkeypatch.setattr(req, "_which", lambda name, *_: None if name == "npm" else "/x/node")
    assert req.probe_node() == req.Status(False, "no node and npm on PATH")


def missing(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Make the named probes report missing; everything else found."""
    absent = req.Status(False, "not here")
    monkeypatch.setattr(
        req, "probe_java", lambda: absent if "java" in names else req.Status(True, "j")
    )
    monkeypatch.setattr(
        req, "probe_nginx", lambda: absent if "nginx" in names else req.Status(True, "n")
    )
    monkeypatch.setattr(
        req, "probe_chromium", lambda: absent if "chromium" in names else req.Status(True, "c")
    )
    monkeypatch.setattr(req, "probe_postgres", lambda: req.Status(True, "p"))
    monkeypatch.setattr(req, "probe_node", lambda: req.Status(True, "node"))
    monkeypatch.setattr(req, "probe_python", lambda: req.Status(True, "py"))
    monkeypatch.setattr(req, "probe_tool", lambda _name: lambda: req.Status(True, "t"))
    monkeypatch.setattr(req, "probe_library", lambda _name: lambda: req.Status(True, "l"))
    monkeypatch.setattr(
        req, "probe_uv", lambda _root: absent if "uv" in names else req.Status(True, "uv")
    )


def test_the_plan_holds_only_what_the_command_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    missing(monkeypatch, "nginx", "chromium", "uv")
    monkeypatch.setattr(req, "venv_works", lambda: False)

    up = install.plan(ROOT, "up")
    lint = install.plan(ROOT, "lint")
    test = install.plan(ROOT, "test")

    assert [r.key for r in up.missing] == ["nginx"]
    assert [r.key for r in test.missing] == ["nginx", "chromium"]
    assert lint.missing == []
    assert up.needs_private_uv
    assert lint.needs_private_uv
    assert lint.needs_venv_package  # python3 -m venv needs Debian's python3-venv first


def test_not_root_is_told_the_exact_command(monkeypatch: pytest.MonkeyPatch) -> None:
    missing(monkeypatch, "nginx")
    monkeypatch.setattr(system, "distro", lambda: system.parse_os_release(DEBIAN_12))
    monkeypatch.setattr(system, "apt_get", lambda: "/usr/bin/apt-get")
    monkeypatch.setattr(system, "is_root", lambda: False)

    with pytest.raises(install.SetupError) as refused:
        install.ensure(ROOT, "up")

    assert "sudo apt-get install -y nginx" in str(refused.value)


def test_a_system_without_apt_is_told_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    missing(monkeypatch, "java")
    monkeypatch.setattr(system, "distro", lambda: system.parse_os_release(FEDORA))
    monkeypatch.setattr(system, "is_root", lambda: True)

    with pytest.raises(install.SetupError) as refused:
        install.ensure(ROOT, "test")

    message = str(refused.value)
    assert "Fedora Linux 41" in message
    assert "only on Debian or Ubuntu" in message
    assert "Java >= 17: install a Java 17 or newer runtime" in message


def test_a_failed_apt_update_says_so_and_installs_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing(monkeypatch, "nginx")
    monkeypatch.setattr(system, "distro", lambda: system.parse_os_release(DEBIAN_12))
    monkeypatch.setattr(system, "apt_get", lambda: "/usr/bin/apt-get")
    monkeypatch.setattr(system, "is_root", lambda: True)
    ran: list[list[str]] = []
    fake_apt = tmp_path / "apt-get"
    fake_apt.write_text("#!/bin/sh\necho 'Could not resolve deb.debian.org'\nexit 100\n")
    fake_apt.chmod(0o755)

    def apt_command(*args: str) -> list[str]:
        ran.append(list(args))
        return [str(fake_apt), *args]

    monkeypatch.setattr(system, "apt_command", apt_command)

    with pytest.raises(install.SetupError) as failed:
        install.ensure(tmp_path, "up")

    assert ran == [["update"]]  # no install after a failed update
    assert "apt-get update failed (exit 100)" in str(failed.value)
    assert "network" in str(failed.value)
    assert "Could not resolve deb.debian.org" in str(failed.value)


def test_a_library_is_found_in_the_linkers_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = (
        "123 libs found in cache `/etc/ld.so.cache'\n"
        "\tlibatomic.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libatomic.so.1\n"
    )
    monkeypatch.setattr(system, "run_quiet", lambda _args: cache)

    assert req.probe_library("libatomic.so.1")() == req.Status(
        True, "/lib/x86_64-linux-gnu/libatomic.so.1"
    )
    assert not req.probe_library("libfoo.so.2")().found


def test_doctor_lists_each_requirement_and_the_fix_for_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing(monkeypatch, "nginx")
    monkeypatch.setattr(system, "distro", lambda: system.parse_os_release(DEBIAN_12))
    monkeypatch.setattr(system, "is_root", lambda: True)

    assert doctor(ROOT) == 1
    out = capsys.readouterr().out
    for name in ("Python 3.11-3.13", "uv >= 0.11", "Java >= 17", "Maven", "PostgreSQL", "Chromium"):
        assert f"{name} " in out
        assert "found" in out.split(f"{name} ", 1)[1].splitlines()[0]
    nginx_line, fix_line = out.split("\nnginx ", 1)[1].splitlines()[:2]
    assert "MISSING" in nginx_line
    assert "fix: ./dev up (installs it), or apt-get install -y nginx" in fix_line


def test_setup_runs_on_the_standard_library_alone() -> None:
    # As `./dev` runs it: no site-packages at all (-S), only the project's infra/src on the path.
    done = subprocess.run(
        [sys.executable, "-S", "-m", "credmarket_infra.setup", "--root", str(ROOT), "doctor"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "infra" / "src")},
        timeout=120,
        check=False,
    )

    assert done.returncode in (0, 1), done.stderr
    assert done.stdout.startswith("machine: ")
    assert "Traceback" not in done.stderr


def test_after_set_up_this_machine_has_everything_the_tests_need() -> None:
    # `./dev test` ran set-up before pytest: set-up and the probes must agree.
    todo = install.plan(ROOT, "test")

    assert [r.name for r in todo.missing] == []
    assert not todo.needs_private_uv
