"""pytest plugin: every test gets the real broker, database and Stripe stand-in, isolated.

Where they come from, in order:
1. the environment (CREDMARKET_KAFKA_BOOTSTRAP, CREDMARKET_PG_*, CREDMARKET_STRIPE_API_BASE);
2. testcontainers, where a Docker daemon answers;
3. the local stack's .stack/stack.env (started with `credmarket-stack up` if it is missing).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from credmarket_events.topics import TOPICS

from credmarket_testing.containers import containers_infra, docker_available
from credmarket_testing.infra import Infra, infra_from_env, read_env_file
from credmarket_testing.kafka import create_topics, delete_topics

__all__ = ["Infra", "create_topics"]

TEST_TOPIC_PARTITIONS = 3

# Where a test lives says what it needs: these folders hold tests that drive the real broker,
# database or Stripe stand-in, so `-m "not integration"` runs with none of them up.
INTEGRATION_FOLDERS = frozenset({"integration", "e2e", "faults", "abuse", "gateway", "ops"})
# A test elsewhere that asks for one of these still needs the infrastructure; it is marked too,
# so a file that forgets `pytestmark` cannot slip into a run that has no broker.
INFRA_FIXTURES = frozenset({"infra", "kafka_bootstrap", "stripe_api_base", "database_url"})


def needs_infrastructure(item: pytest.Item, rootpath: Path) -> bool:
    try:
        folders = item.path.relative_to(rootpath).parts[:-1]
    except ValueError:
        folders = item.path.parts[:-1]
    in_folder = bool(INTEGRATION_FOLDERS.intersection(folders))
    fixtures = set(getattr(item, "fixturenames", ()))
    return in_folder or bool(INFRA_FIXTURES & fixtures)


# First, so that `-m` (which deselects in the same hook) sees the marker.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    integration = pytest.mark.integration
    for item in items:
        if needs_infrastructure(item, config.rootpath):
            item.add_marker(integration)


def _stack_env_file(rootdir: Path) -> Path:
    for directory in [rootdir, *rootdir.parents]:
        candidate = directory / ".stack" / "stack.env"
        if candidate.is_file() or (directory / "infra" / "kafka" / "pom.xml").is_file():
            return candidate
    return rootdir / ".stack" / "stack.env"


def _start_local_stack(env_file: Path) -> None:
    cli = shutil.which("credmarket-stack") or str(Path(sys.executable).parent / "credmarket-stack")
    if not Path(cli).exists():
        pytest.exit(f"no broker configured and no {env_file}; run `./dev up`", returncode=4)
    subprocess.run([cli, "up"], check=True, cwd=env_file.parent.parent)  # noqa: S603


@pytest.fixture(scope="session")
def infra(request: pytest.FixtureRequest) -> Iterator[Infra]:
    from_env = infra_from_env(os.environ)
    if from_env is not None:
        yield from_env
        return
    if docker_available():
        with containers_infra() as from_containers:
            yield from_containers
        return
    env_file = _stack_env_file(request.config.rootpath)
    if not env_file.is_file():
        _start_local_stack(env_file)
    from_stack = infra_from_env(read_env_file(env_file))
    if from_stack is None:
        pytest.exit(f"{env_file} has no CREDMARKET_KAFKA_BOOTSTRAP", returncode=4)
    yield from_stack


@pytest.fixture(scope="session")
def kafka_bootstrap(infra: Infra) -> str:
    return infra.kafka_bootstrap


@pytest.fixture(scope="session")
def stripe_api_base(infra: Infra) -> str:
    return infra.stripe_api_base


@pytest.fixture
def unique_id() -> str:
    return "t" + uuid.uuid4().hex[:10]


@pytest.fixture
async def database_url(infra: Infra, unique_id: str) -> AsyncIterator[str]:
    """A fresh, empty database for this test only; dropped afterwards."""
    name = f"test_{unique_id}"
    admin = await asyncpg.connect(infra.admin_dsn())
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield infra.database_url(name)
    admin = await asyncpg.connect(infra.admin_dsn())
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def topic_prefix(kafka_bootstrap: str, unique_id: str) -> AsyncIterator[str]:
    """Every topic of credmarket_events.topics.TOPICS under a prefix only this test uses."""
    prefix = f"{unique_id}."
    by_partitions: dict[int, list[str]] = {}
    configs: dict[str, dict[str, str]] = {}
    for spec in TOPICS:
        # Keep the declared partitioning when it allows a group to share work, else give it some.
        partitions = spec.partitions if spec.partitions >= 2 else TEST_TOPIC_PARTITIONS
        by_partitions.setdefault(partitions, []).append(prefix + spec.name)
        configs[prefix + spec.name] = spec.config()
    for partitions, names in by_partitions.items():
        await create_topics(kafka_bootstrap, names, partitions=partitions, configs=configs)
    yield prefix
    await delete_topics(kafka_bootstrap, [prefix + spec.name for spec in TOPICS])
