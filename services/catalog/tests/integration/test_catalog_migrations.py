"""The catalog's migrations build exactly the tables its code declares."""

import asyncio
from pathlib import Path

import catalog
import pytest
from alembic import command
from credmarket_platform.db.migrations import alembic_config, upgrade_async

pytestmark = pytest.mark.integration

SCRIPT_LOCATION = Path(catalog.__file__).parent / "db" / "migrations"


async def test_catalog_migrations_apply_and_match_the_tables(database_url: str) -> None:
    await upgrade_async(SCRIPT_LOCATION, database_url)
    # Fails with "New upgrade operations detected" when tables.py and the migration drift.
    await asyncio.to_thread(command.check, alembic_config(SCRIPT_LOCATION, database_url))
