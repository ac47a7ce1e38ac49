import asyncio

import pytest
from alembic import command
from credmarket_platform.db.migrations import alembic_config, upgrade_async
from enrollment.db.migrations import SCRIPT_LOCATION

pytestmark = pytest.mark.integration


async def test_enrollment_migrations_apply_and_match_the_tables(database_url: str) -> None:
    await upgrade_async(SCRIPT_LOCATION, database_url)
    # Fails with "New upgrade operations detected" when tables.py and the migration drift.
    await asyncio.to_thread(command.check, alembic_config(SCRIPT_LOCATION, database_url))
