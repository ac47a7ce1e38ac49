"""The database is real: a committed row is there for a brand-new connection."""

from __future__ import annotations

import asyncpg
import pytest
from credmarket_testing.infra import Infra
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = pytest.mark.integration


async def test_committed_row_is_read_back_over_a_new_connection(
    database_url: str, infra: Infra
) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE offering (id int PRIMARY KEY, title text)"))
            await conn.execute(text("INSERT INTO offering VALUES (1, 'Kafka basics')"))
    finally:
        await engine.dispose()

    dbname = database_url.rsplit("/", 1)[1]
    fresh = await asyncpg.connect(infra.admin_dsn().rsplit("/", 1)[0] + "/" + dbname)
    try:
        title = await fresh.fetchval("SELECT title FROM offering WHERE id = 1")
    finally:
        await fresh.close()

    assert title == "Kafka basics"


async def test_each_test_gets_its_own_empty_database(database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            tables = await conn.scalar(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema='public'")
            )
            durable = await conn.scalar(text("SHOW fsync"))
    finally:
        await engine.dispose()

    assert tables == 0
    assert durable == "on"
