"""Docker Compose driven against a container engine: podman's Docker API on a socket of
our own, the engine's health as it goes, and the Compose commands the check runs."""

from __future__ import annotations

import json
import os
import random
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from credmarket_infra.stack.envfile import parse_env

ROOT = Path(__file__).resolve().parents[4]
COMPOSE_FILE = ROOT / "docker-compose.yml"
# Host ports the Compose file lets us move; each gets a free port on 127.0.0.1.
PORT_VARIABLES = (
    "CREDMARKET_COMPOSE_GATEWAY_PORT",
    "CREDMARKET_COMPOSE_KAFKA_PORT",
    "CREDMARKET_COMPOSE_POSTGRES_PORT",
    "CREDMARKET_COMPOSE_STRIPE_PORT",
)


PODMAN = shutil.which("podman") or "/usr/bin/podman"


class CheckFailed(RuntimeError):
    pass


def run(argv: Sequence[str], **options: Any) -> subprocess.CompletedProcess[str]:
    """Every command this check runs is ours (podman, Compose, the repo's scripts)."""
    return subprocess.run(list(argv), text=True, **options)  # noqa: S603


def free_port() -> int:
    """A port free now, below the ephemeral range (outgoing connections take those)."""
    for _ in range(200):
        port = random.randrange(20000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise CheckFailed("no free port in 20000-32000")


def choose_ports(path: Path) -> dict[str, str]:
    """(Re)write the host ports into the env file: done right before `up`, since on a
    shared machine a port free at the start may be taken by then."""
    kept = [
        line
        for line in path.read_text().splitlines()
        if line.split("=", 1)[0] not in PORT_VARIABLES
    ]
    text = "\n".join(kept) + "\n" + "".join(f"{n}={free_port()}\n" for n in PORT_VARIABLES)
    path.write_text(text)
    return parse_env(text)


@dataclass
class PodmanService:
    """`podman system service` on a socket of our own: the Docker API Compose talks to."""

    socket_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def docker_host(self) -> str:
        return f"unix://{self.socket_path}"

    def start(self, timeout: float = 60.0) -> None:
        self.socket_path.parent.mkdir(parents=True, exist_ok=True)
        self.socket_path.unlink(missing_ok=True)
        log = (self.socket_path.parent / "podman-service.log").open("wb")
        self.process = subprocess.Popen(  # noqa: S603
            [PODMAN, "system", "service", "--time=0", self.docker_host],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        transport = httpx.HTTPTransport(uds=str(self.socket_path))
        deadline = time.monotonic() + timeout
        with httpx.Client(transport=transport, base_url="http://podman") as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise CheckFailed(f"podman system service exited; see {log.name}")
                try:
                    if client.get("/_ping", timeout=2).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
        raise CheckFailed(f"podman's Docker API did not answer on {self.socket_path}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.socket_path.unlink(missing_ok=True)


class HealthTicker:
    """Runs each container's health check at its interval, as Docker's engine does.

    podman schedules health checks with systemd timers; without systemd (this machine,
    most CI containers) nothing runs them and Compose would wait for `healthy` forever.
    """

    def __init__(self, project: str) -> None:
        self.project = project
        self.stopping = threading.Event()
        self.due: dict[str, float] = {}
        self.thread = threading.Thread(target=self._run, name="health-ticker", daemon=True)

    def __enter__(self) -> HealthTicker:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)

    def _containers(self) -> dict[str, float]:
        listed = run(
            [
                PODMAN,
                "ps",
                "--filter",
                f"label=com.docker.compose.project={self.project}",
                "--format",
                "{{.ID}}",
            ],
            capture_output=True,
        ).stdout.split()
        if not listed:
            return {}
        inspected = run([PODMAN, "inspect", *listed], capture_output=True).stdout
        intervals: dict[str, float] = {}
        for container in json.loads(inspected or "[]"):
            check = (container.get("Config") or {}).get("Healthcheck") or {}
            test = check.get("Test") or []
            if test and test[0] != "NONE":
                intervals[container["Id"]] = float(check.get("Interval") or 30e9) / 1e9
        return intervals

    def _run(self) -> None:
        while not self.stopping.wait(1.0):
            now = time.monotonic()
            for container, interval in self._containers().items():
                # The first check once the container is seen, then one every interval.
                if now >= self.due.setdefault(container, now):
                    run([PODMAN, "healthcheck", "run", container], capture_output=True)
                    self.due[container] = time.monotonic() + interval


@dataclass
class Compose:
    command: Sequence[str]
    project: str
    env_file: Path
    engine_env: dict[str, str]

    def run(
        self, *args: str, capture: bool = False, check: bool = True, timeout: float | None = None
    ) -> subprocess.CompletedProcess[str]:
        argv = [
            *self.command,
            "--project-name",
            self.project,
            "--env-file",
            str(self.env_file),
            "--file",
            str(COMPOSE_FILE),
            *args,
        ]
        result = run(
            argv,
            cwd=ROOT,
            env={**os.environ, **self.engine_env},
            capture_output=capture,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            detail = (result.stderr or "")[-3000:] if capture else ""
            raise CheckFailed(f"{shlex.join(argv)} exited {result.returncode}\n{detail}")
        return result

    def up_on_free_ports(self, attempts: int = 3) -> dict[str, str]:
        """`up --detach`, on host ports chosen just before; again on other ports when one
        was taken in between (the machine is shared). Returns the env file's values."""
        for attempt in range(1, attempts + 1):
            env = choose_ports(self.env_file)
            result = self.run("up", "--detach", "--no-build", capture=True, check=False)
            print(result.stderr[-2000:], end="", file=sys.stderr)
            if result.returncode == 0:
                return env
            if "address already in use" not in result.stderr or attempt == attempts:
                raise CheckFailed(f"compose up exited {result.returncode}")
            print("compose-check: a host port was taken meanwhile; again on others", flush=True)
            self.run("down", "--remove-orphans", check=False)
        raise AssertionError("unreachable")

    def wait_for_exit(self, service: str, timeout: float) -> int:
        """The exit code of a one-shot service's container, once it has exited."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            listed = self.run("ps", "--all", "--format", "json", service, capture=True).stdout
            rows = [json.loads(line) for line in listed.splitlines() if line.strip()]
            for row in rows:
                if row.get("State") == "exited":
                    return int(row.get("ExitCode", 1))
            time.sleep(1.0)
        raise CheckFailed(f"{service} did not finish within {timeout:.0f}s")
