"""Run docker-compose.yml in real containers and play a whole purchase through its gateway.

    infra/containers/compose-check.sh          (installs podman, builds the stand-ins, then this)

Docker Compose v2 itself reads the file and drives the engine: podman's Docker-compatible
API here (`podman system service` on a socket of our own), or any Docker engine given with
--docker-host. The project's images are built by Compose from the project's Dockerfiles.
Steps: build, up (Compose waits on every health check and one-shot), register the Stripe
webhook one-shot, then over HTTP through the gateway: the demo's whole purchase (ops,
provider, learner, Stripe.js, webhook, completion, credential verified, refund revokes it),
catalog's provider token accepted by enrollment, payments and issuance, and a token
signed with the old public default secret refused by all four. Then down, volumes too.
"""

from __future__ import annotations

import argparse
import asyncio
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
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt

from credmarket_infra.demo.__main__ import PlayedPurchase, play
from credmarket_infra.demo.client import Marketplace
from credmarket_infra.demo.routes import Routes
from credmarket_infra.gateway import openapi_merge
from credmarket_infra.stack.envfile import parse_env

ROOT = Path(__file__).resolve().parents[4]
COMPOSE_FILE = ROOT / "docker-compose.yml"
OPENAPI_FILE = ROOT / ".stack" / "gateway" / "openapi.json"
WORK_DIR = ROOT / ".stack" / "compose-check"
# What docker-compose.yml once fell back to: public, so every service must refuse it.
OLD_PUBLIC_DEFAULT_SECRET = "dev-only-jwt-secret-not-for-production"  # noqa: S105
SERVICE_NAMES = ("catalog", "enrollment", "payments", "issuance")
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


class Phases:
    """Prints each phase with its duration; the totals end up in docs/deploy.md."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.timings: list[tuple[str, float]] = []

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        print(f"compose-check: {name} ...", flush=True)
        began = time.monotonic()
        yield
        took = time.monotonic() - began
        self.timings.append((name, took))
        print(f"compose-check: {name}: {took:.1f}s", flush=True)

    def summary(self) -> str:
        total = time.monotonic() - self.started
        parts = ", ".join(f"{name} {took:.0f}s" for name, took in self.timings)
        return f"{total:.0f}s in total ({parts})"


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


def write_env_file(path: Path) -> dict[str, str]:
    """A fresh development .env (infra/docker/compose-env.sh) plus free host ports."""
    script = ROOT / "infra" / "docker" / "compose-env.sh"
    text = run([str(script)], check=True, capture_output=True).stdout
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o600)
    return choose_ports(path)


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


def ensure_openapi_document() -> None:
    """The gateway serves the merged OpenAPI document from .stack/ (`./dev up` writes it)."""
    if not OPENAPI_FILE.exists():
        documents = openapi_merge.generate_documents()
        openapi_merge.write(openapi_merge.merge(documents), OPENAPI_FILE)


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


async def check_tokens(market: Marketplace, played: PlayedPurchase) -> None:
    """Catalog's provider token works on every service that takes one; the old public
    default secret works nowhere."""
    http, url = market.http, market.routes.url
    provider = {"Authorization": f"Bearer {played.provider_token}"}
    accepted = {
        "enrollment": await http.get(url("enrollment", "/v1/enrollments"), headers=provider),
        "payments": await http.get(url("payments", "/v1/earnings"), headers=provider),
        "issuance": await http.post(
            url("issuance", f"/v1/issuers/{played.provider_id}/keys/rotate"),
            headers={**provider, "Idempotency-Key": str(uuid.uuid4())},
        ),
    }
    for service, response in accepted.items():
        if response.status_code not in (200, 201):
            raise CheckFailed(
                f"{service} refused catalog's provider token: {response.status_code} "
                f"{response.text[:300]}"
            )
        print(f"  {service} accepted catalog's provider token ({response.status_code})")

    now = int(time.time())
    forged = jwt.encode(
        {
            "iss": "credmarket-dev",
            "aud": "credmarket",
            "sub": str(uuid.uuid4()),
            "role": "ops",
            "iat": now,
            "nbf": now,
            "exp": now + 300,
        },
        OLD_PUBLIC_DEFAULT_SECRET,
        algorithm="HS256",
    )
    ops = {"Authorization": f"Bearer {forged}"}
    refused = {
        "catalog": await http.get(
            url("catalog", f"/v1/providers/{played.provider_id}"), headers=ops
        ),
        "enrollment": await http.get(url("enrollment", "/v1/enrollments"), headers=ops),
        "payments": await http.get(
            url("payments", "/v1/earnings"), params={"provider_id": played.provider_id}, headers=ops
        ),
        "issuance": await http.post(
            url("issuance", f"/v1/issuers/{played.provider_id}/keys/rotate"),
            headers={**ops, "Idempotency-Key": str(uuid.uuid4())},
        ),
    }
    for service, response in refused.items():
        if response.status_code != 401:
            raise CheckFailed(
                f"{service} did not refuse a token signed with the old public default secret: "
                f"{response.status_code} {response.text[:300]}"
            )
        print(f"  {service} refused the old public default secret (401)")


async def play_through_gateway(env: dict[str, str]) -> None:
    gateway = f"http://127.0.0.1:{env['CREDMARKET_COMPOSE_GATEWAY_PORT']}"
    stripe = f"http://127.0.0.1:{env['CREDMARKET_COMPOSE_STRIPE_PORT']}"
    async with httpx.AsyncClient(timeout=30) as http:
        live = await http.get(f"{gateway}/gateway/live")
        if live.status_code != 200:
            raise CheckFailed(f"gateway not live: {live.status_code}")
        market = Marketplace(Routes(gateway=gateway), http)
        played = await play(market, stripe, env["CREDMARKET_JWT_DEV_SECRET"])
        await check_tokens(market, played)


def engine_api(docker_host: str) -> httpx.Client:
    """The engine's Docker API (podman's or Docker's), for what Compose does not report."""
    if docker_host.startswith("unix://"):
        transport = httpx.HTTPTransport(uds=docker_host.removeprefix("unix://"))
        return httpx.Client(transport=transport, base_url="http://engine", timeout=30)
    return httpx.Client(base_url=docker_host.replace("tcp://", "http://"), timeout=30)


def check_production_mode_refuses_the_dev_secret(compose: Compose) -> None:
    """Each service image, started in production mode with the dev token secret still set,
    must refuse to start (and say why) rather than trust HS256 tokens. The exit code is
    read from the engine: podman's API answers 0 for `compose run --rm` whatever it was."""
    with engine_api(compose.engine_env["DOCKER_HOST"]) as api:
        for service in SERVICE_NAMES:
            name = f"{compose.project}-{service}-production-mode"
            api.delete(f"/containers/{name}", params={"force": "true"})
            result = compose.run(
                "run",
                "--name",
                name,
                "--no-deps",
                "-T",
                "--env",
                "CREDMARKET_DEV_MODE=false",
                service,
                capture=True,
                check=False,
                timeout=180,
            )
            state = api.get(f"/containers/{name}/json").json().get("State", {})
            api.delete(f"/containers/{name}", params={"force": "true"})
            said = (result.stdout or "") + (result.stderr or "")
            exit_code = state.get("ExitCode")
            if exit_code in (0, None) or "CREDMARKET_DEV_MODE is not true" not in said:
                raise CheckFailed(
                    f"{service} started in production mode with a dev secret "
                    f"(exit {exit_code}): {said[-500:]}"
                )
            print(
                f"  {service} refused to start in production mode with a dev secret "
                f"(exit {exit_code})"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--compose", required=True, help="the Compose v2 command, e.g. 'docker compose'"
    )
    parser.add_argument(
        "--project",
        default=os.environ.get("CREDMARKET_COMPOSE_CHECK_PROJECT", "credmarket-check"),
        help="Compose project name (containers, network and volumes are named after it)",
    )
    parser.add_argument(
        "--docker-host", help="use this Docker engine instead of starting podman's API service"
    )
    parser.add_argument("--keep", action="store_true", help="leave the system up afterwards")
    parser.add_argument("--no-cache", action="store_true", help="build images from scratch")
    args = parser.parse_args(argv)

    phases = Phases()
    env_file = WORK_DIR / f"{args.project}.env"
    env = write_env_file(env_file)
    podman = None if args.docker_host else PodmanService(WORK_DIR / f"{args.project}.sock")
    engine_env = {
        "DOCKER_HOST": args.docker_host or (podman.docker_host if podman else ""),
        # podman's Docker API builds with its own builder (buildah): Compose must send the
        # build to the engine rather than look for BuildKit (buildx) on the client side.
        "DOCKER_BUILDKIT": "0",
        "COMPOSE_BAKE": "false",
    }
    compose = Compose(shlex.split(args.compose), args.project, env_file, engine_env)
    status = 1
    try:
        with phases.phase("OpenAPI document for the gateway"):
            ensure_openapi_document()
        if podman is not None:
            with phases.phase("podman's Docker API"):
                podman.start()
        with phases.phase("compose build (the project's Dockerfiles)"):
            compose.run("build", *(["--no-cache"] if args.no_cache else []))
        ticker = HealthTicker(args.project) if podman is not None else None
        with ticker or _nothing():
            with phases.phase("compose up (every health check and one-shot)"):
                env = compose.up_on_free_ports()
                code = compose.wait_for_exit("stripe-webhook", timeout=120)
                if code != 0:
                    raise CheckFailed(f"stripe-webhook exited {code}")
            with phases.phase("a whole purchase through the gateway"):
                asyncio.run(play_through_gateway(env))
            with phases.phase("production mode refuses the dev secret"):
                check_production_mode_refuses_the_dev_secret(compose)
        status = 0
    except (CheckFailed, subprocess.TimeoutExpired, AssertionError, httpx.HTTPError) as exc:
        print(f"compose-check: FAILED: {exc}", file=sys.stderr)
        compose.run("ps", "--all", check=False)
        compose.run("logs", "--no-color", "--tail", "60", check=False)
    finally:
        if args.keep:
            # The engine's API stays up too, so that Compose can take the system down later.
            print(
                f"compose-check: kept up; DOCKER_HOST={engine_env['DOCKER_HOST']} {args.compose}"
                f" -p {args.project} --env-file {env_file} down --volumes"
            )
        else:
            with phases.phase("compose down (volumes too)"):
                compose.run("down", "--volumes", "--remove-orphans", "--timeout", "30", check=False)
            if podman is not None:
                podman.stop()
    print(f"compose-check: {'ok' if status == 0 else 'FAILED'}: {phases.summary()}")
    return status


@contextmanager
def _nothing() -> Iterator[None]:
    yield


if __name__ == "__main__":
    raise SystemExit(main())
