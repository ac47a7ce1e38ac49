"""The gateway component: our own nginx in front of the four services, one origin.

Files live under `.stack/gateway/` (nginx.conf, nginx.pid, temp/, logs/access.log,
openapi.json); nginx's error log goes to `.stack/logs/gateway.log`. Started after the
services: the merged OpenAPI document is fetched from them at `up`.
"""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

from credmarket_infra.gateway import openapi_merge, runner
from credmarket_infra.gateway.nginx_conf import render_nginx_conf
from credmarket_infra.gateway.nginx_target import local_target
from credmarket_infra.gateway.settings import GatewaySettings, gateway_settings_from_env
from credmarket_infra.stack import process, services
from credmarket_infra.stack.config import HOST, StackConfig
from credmarket_infra.stack.waiting import StartupError, port_is_open, tail

NAME = "gateway"
log = logging.getLogger(__name__)


def settings() -> GatewaySettings:
    return gateway_settings_from_env()


def port(_config: StackConfig) -> int:
    return settings().port


def base_url() -> str:
    return settings().base_url


def prefix_dir(config: StackConfig) -> Path:
    return config.stack_dir / NAME


def openapi_file(config: StackConfig) -> Path:
    return prefix_dir(config) / "openapi.json"


def _marker(config: StackConfig) -> str:
    # nginx keeps its argv in the master's title: "nginx: master process … -c <conf>".
    return str(runner.conf_path(prefix_dir(config)))


def pid(config: StackConfig) -> int | None:
    return process.running_pid(config.pid_file(NAME), _marker(config))


def render(config: StackConfig) -> str:
    current = settings()
    upstreams = {s.name: [f"{HOST}:{s.port()}"] for s in services.SERVICES}
    target = local_target(prefix_dir(config), current.port, openapi_file(config))
    return render_nginx_conf(current, upstreams, target)


def write_openapi(config: StackConfig) -> None:
    """The merged reference, from the running services (the truth of what they serve)."""
    try:
        documents = openapi_merge.fetch_documents({s.name: s.base_url for s in services.SERVICES})
    except Exception as error:  # a missing reference must not keep the gateway down
        log.warning("could not fetch the services' OpenAPI documents: %s", error)
        return
    openapi_merge.write(openapi_merge.merge(documents), openapi_file(config))


def up(config: StackConfig) -> None:
    prefix = prefix_dir(config)
    try:
        runner.write_conf(prefix, render(config))
    except runner.GatewayError as error:
        raise StartupError(f"gateway: {error}") from error
    write_openapi(config)
    running = pid(config)
    if running is not None:
        # Already up: pick up the new config (CORS origins, limits) without dropping requests.
        os.kill(running, signal.SIGHUP)
    else:
        current = settings()
        if port_is_open(HOST, current.port):
            raise StartupError(f"gateway: port {current.port} is taken (CREDMARKET_GATEWAY_PORT)")
        process.spawn(
            runner.nginx_args(prefix),
            pid_file=config.pid_file(NAME),
            log_file=config.log_file(NAME),
            cwd=prefix,
        )
    try:
        runner.wait_ready(base_url(), alive=lambda: pid(config) is not None)
    except runner.GatewayError as error:
        raise StartupError(f"gateway: {error}\n{tail(config.log_file(NAME))}") from error


def down(config: StackConfig) -> bool:
    return process.stop_pid_file(config.pid_file(NAME), _marker(config), timeout=10.0)
