"""The Docker path: the same three servers from official images, via testcontainers.

Used only where a Docker daemon answers and no addresses were given in the environment.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from credmarket_testing.infra import Infra

KAFKA_IMAGE = "confluentinc/cp-kafka:7.6.0"
POSTGRES_IMAGE = "postgres:16-alpine"
LOCALSTRIPE_IMAGE = "adrienverge/localstripe:latest"
PG_USER = "credmarket"
PG_PASSWORD = "credmarket-test"  # noqa: S105 - throwaway container


def docker_available() -> bool:
    if not os.environ.get("DOCKER_HOST") and not Path("/var/run/docker.sock").exists():
        return False
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


@contextmanager
def containers_infra() -> Iterator[Infra]:
    from testcontainers.community.kafka import KafkaContainer
    from testcontainers.community.postgres import PostgresContainer
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs

    with ExitStack() as stack:
        kafka = stack.enter_context(KafkaContainer(KAFKA_IMAGE).with_kraft())
        postgres = stack.enter_context(
            PostgresContainer(
                POSTGRES_IMAGE, username=PG_USER, password=PG_PASSWORD, driver=None
            ).with_command("postgres -c max_connections=300")
        )
        stripe = stack.enter_context(DockerContainer(LOCALSTRIPE_IMAGE).with_exposed_ports(8420))
        wait_for_logs(stripe, "Running on|8420", timeout=60)
        yield Infra(
            kafka_bootstrap=kafka.get_bootstrap_server(),
            pg_host=postgres.get_container_host_ip(),
            pg_port=int(postgres.get_exposed_port(5432)),
            pg_user=PG_USER,
            pg_password=PG_PASSWORD,
            stripe_api_base=(
                f"http://{stripe.get_container_host_ip()}:{stripe.get_exposed_port(8420)}"
            ),
        )
