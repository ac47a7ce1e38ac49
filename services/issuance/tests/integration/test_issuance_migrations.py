"""The migration creates exactly what the table definitions describe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import issuance
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from credmarket_platform.db import platform_metadata
from credmarket_platform.db.migrations import upgrade_async
from issuance.db.tables import issuance_metadata
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = pytest.mark.integration

MIGRATIONS = Path(issuance.__file__).parent / "db" / "migrations"


async def test_issuance_migration_matches_tables(database_url: str) -> None:
    await upgrade_async(MIGRATIONS, database_url)

    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        # alembic's stub says MetaData, but it takes a sequence too (AutogenContext does).
        metadata = [platform_metadata, issuance_metadata]
        return list(compare_metadata(context, metadata))  # type: ignore[arg-type]

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(diff)
    finally:
        await engine.dispose()
    assert differences == []
