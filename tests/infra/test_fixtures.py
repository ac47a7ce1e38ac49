"""The fixtures other tests build on do what they promise."""

from __future__ import annotations

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from credmarket_events.topics import TOPICS
from credmarket_testing.infra import Infra, infra_from_env
from credmarket_testing.wait import wait_until


def test_infra_urls() -> None:
    infra = Infra("127.0.0.1:19092", "127.0.0.1", 15432, "credmarket", "pw", "http://x")

    assert infra.database_url("payments") == (
        "postgresql+asyncpg://credmarket:pw@127.0.0.1:15432/payments"
    )
    assert infra.admin_dsn() == "postgresql://credmarket:pw@127.0.0.1:15432/postgres"


def test_infra_from_env_needs_the_broker() -> None:
    assert infra_from_env({"CREDMARKET_PG_HOST": "db"}) is None
    found = infra_from_env({"CREDMARKET_KAFKA_BOOTSTRAP": "k:9092", "CREDMARKET_PG_PORT": "5"})
    assert found is not None
    assert (found.kafka_bootstrap, found.pg_port) == ("k:9092", 5)


async def test_wait_until_accepts_sync_and_async_predicates() -> None:
    calls = []

    def sync_predicate() -> bool:
        calls.append(1)
        return len(calls) >= 3

    async def async_predicate() -> bool:
        return True

    await wait_until(sync_predicate, timeout=5)
    await wait_until(async_predicate, timeout=5)
    with pytest.raises(AssertionError, match="never"):
        await wait_until(lambda: False, timeout=0.2, message="never")


def test_unique_ids_differ(unique_id: str) -> None:
    assert unique_id.startswith("t")
    assert len(unique_id) == 11


@pytest.mark.integration
async def test_topic_prefix_creates_every_declared_topic(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
    finally:
        await admin.close()

    assert {topic_prefix + spec.name for spec in TOPICS} <= existing


@pytest.mark.integration
async def test_database_url_points_at_a_fresh_database(database_url: str, infra: Infra) -> None:
    dbname = database_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(infra.admin_dsn())
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", dbname)
    finally:
        await admin.close()

    assert exists == 1
