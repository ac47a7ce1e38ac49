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
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from credmarket_infra.deploy.compose_checks import (
    check_production_mode_refuses_the_dev_secret,
    play_through_gateway,
)
from credmarket_infra.deploy.compose_engine import (
    ROOT,
    CheckFailed,
    Compose,
    HealthTicker,
    PodmanService,
    choose_ports,
    run,
)
from credmarket_infra.gateway import openapi_merge

OPENAPI_FILE = ROOT / ".stack" / "gateway" / "openapi.json"
WORK_DIR = ROOT / ".stack" / "compose-check"


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


def write_env_file(path: Path) -> dict[str, str]:
    """A fresh development .env (infra/docker/compose-env.sh) plus free host ports."""
    script = ROOT / "infra" / "docker" / "compose-env.sh"
    text = run([str(script)], check=True, capture_output=True).stdout
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o600)
    return choose_ports(path)


def ensure_openapi_document() -> None:
    """The gateway serves the merged OpenAPI document from .stack/ (`./dev up` writes it)."""
    if not OPENAPI_FILE.exists():
        documents = openapi_merge.generate_documents()
        openapi_merge.write(openapi_merge.merge(documents), OPENAPI_FILE)


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
