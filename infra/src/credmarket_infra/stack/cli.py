"""`credmarket-stack`: the local system: Kafka, PostgreSQL, localstripe and the four services."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from credmarket_infra.stack import gateway, kafka, localstripe, postgres, services
from credmarket_infra.stack.config import (
    HOST,
    StackConfig,
    config_from_env,
    find_project_root,
    load_running_config,
    save_running_config,
    with_overrides,
)
from credmarket_infra.stack.envfile import write_env
from credmarket_infra.stack.topics import ensure_topics
from credmarket_infra.stack.waiting import StartupError, port_is_open

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


@dataclass(frozen=True)
class Component:
    name: str
    port: Callable[[StackConfig], int]
    pid: Callable[[StackConfig], int | None]
    up: Callable[[StackConfig], None]
    down: Callable[[StackConfig], bool]
    is_service: bool = False


def _service_component(service: services.Service) -> Component:
    return Component(
        service.name,
        lambda _c: service.port(),
        lambda c: services.pid(c, service),
        lambda c: services.start(c, service),
        lambda c: services.stop(c, service),
        is_service=True,
    )


INFRA = (
    Component("postgres", lambda c: c.pg_port, postgres.postmaster_pid, postgres.up, postgres.down),
    Component("kafka", lambda c: c.kafka_port, kafka.pid, kafka.up, kafka.down),
    Component(
        "localstripe", lambda c: c.stripe_port, localstripe.pid, localstripe.up, localstripe.down
    ),
)
SERVICE_COMPONENTS = tuple(_service_component(s) for s in services.SERVICES)
# The one origin in front of the services; started after them (docs/gateway.md).
EDGE = (Component("gateway", gateway.port, gateway.pid, gateway.up, gateway.down),)
COMPONENTS = INFRA + SERVICE_COMPONENTS + EDGE
COMPONENT_NAMES = [component.name for component in COMPONENTS]


def _current_config() -> StackConfig:
    """The config of the running stack if there is one, else what the environment asks for."""
    root = find_project_root()
    return load_running_config(root) or config_from_env(root)


@app.command()
def up(
    kafka_port: Annotated[int | None, typer.Option(help="[env CREDMARKET_KAFKA_PORT]")] = None,
    pg_port: Annotated[int | None, typer.Option(help="[env CREDMARKET_PG_PORT]")] = None,
    stripe_port: Annotated[int | None, typer.Option(help="[env CREDMARKET_STRIPE_PORT]")] = None,
    infra_only: Annotated[
        bool, typer.Option("--infra-only", help="Kafka, PostgreSQL, localstripe; no services")
    ] = False,
) -> None:
    """Start whatever is not running yet: infrastructure, topics, env file, then the services."""
    root = find_project_root()
    config = with_overrides(
        config_from_env(root), kafka_port=kafka_port, pg_port=pg_port, stripe_port=stripe_port
    )
    running = load_running_config(root)
    if running is not None and running != config and any(c.pid(running) for c in COMPONENTS):
        typer.echo("stack is running with other settings; run `down` first", err=True)
        raise typer.Exit(2)
    for directory in (config.stack_dir, config.logs_dir, config.run_dir):
        directory.mkdir(parents=True, exist_ok=True)
    save_running_config(config)
    _start(config, INFRA)
    created = asyncio.run(ensure_topics(config.kafka_bootstrap))
    typer.echo(f"topics       {len(created)} created" if created else "topics       present")
    write_env(config)
    typer.echo(f"env          {config.env_file}")
    if infra_only:
        return
    for service in services.SERVICES:
        services.launch(config, service)  # all at once; `up` below then waits for each
    _start(config, SERVICE_COMPONENTS)
    _start(config, EDGE)
    typer.echo("")
    for service in services.SERVICES:
        typer.echo(
            f"{service.name:<12} {service.base_url}/docs   log: {config.log_file(service.name)}"
        )
    typer.echo(f"{'gateway':<12} {gateway.base_url()}/docs/   (the API, one origin)")


def _start(config: StackConfig, components: tuple[Component, ...]) -> None:
    for component in components:
        started = time.monotonic()
        try:
            component.up(config)
        except StartupError as error:
            typer.echo(str(error), err=True)
            raise typer.Exit(1) from error
        typer.echo(f"{component.name:<12} up  ({time.monotonic() - started:.1f}s)")


@app.command()
def down() -> None:
    """Stop every component; nothing is left running."""
    config = _current_config()
    for component in reversed(COMPONENTS):
        stopped = component.down(config)
        typer.echo(f"{component.name:<12} {'stopped' if stopped else 'was not running'}")


@app.command()
def status() -> None:
    """Each component, its port, pid and whether it is up (exit 3 if any is down)."""
    config = _current_config()
    all_up = True
    typer.echo(f"{'component':<12} {'port':>6} {'pid':>8}  state")
    for component in COMPONENTS:
        pid = component.pid(config)
        port = component.port(config)
        listening = port_is_open(HOST, port)
        state = "up" if pid and listening else ("starting" if pid else "down")
        all_up = all_up and state == "up"
        typer.echo(f"{component.name:<12} {port:>6} {pid or '-':>8}  {state}")
    typer.echo(f"env file: {config.env_file}" + ("" if config.env_file.exists() else " (missing)"))
    raise typer.Exit(0 if all_up else 3)


@app.command()
def logs(
    component: Annotated[str, typer.Argument(help=" | ".join(COMPONENT_NAMES))],
    follow: Annotated[bool, typer.Option("--follow", "-f")] = False,
    lines: Annotated[int, typer.Option("--lines", "-n")] = 100,
) -> None:
    """Show a component's log (tail -f with --follow)."""
    if component not in COMPONENT_NAMES:
        known = ", ".join(COMPONENT_NAMES)
        typer.echo(f"unknown component {component!r}; one of {known}", err=True)
        raise typer.Exit(2)
    log_file: Path = _current_config().log_file(component)
    if not log_file.exists():
        typer.echo(f"no log yet at {log_file}", err=True)
        raise typer.Exit(1)
    args = ["tail", "-n", str(lines), *(["-F"] if follow else []), str(log_file)]
    sys.stdout.flush()
    os.execvp("tail", args)  # noqa: S606, S607 - hands the terminal to tail, fixed argv


def main() -> None:
    app()


if __name__ == "__main__":
    main()
