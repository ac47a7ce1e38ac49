"""What every messaging test stands on: a database with the probe's schema, a producer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer
from credmarket_platform.db import Database
from credmarket_platform.messaging.kafka import idempotent_producer
from credmarket_testing.messaging_probe import create_schema


@pytest.fixture
async def db(database_url: str, topic_prefix: str) -> AsyncIterator[Database]:
    database = Database(database_url, topic_prefix=topic_prefix)
    await create_schema(database)
    yield database
    await database.dispose()


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    p = idempotent_producer(kafka_bootstrap, client_id="test-producer")
    await p.start()
    yield p
    await p.stop()
