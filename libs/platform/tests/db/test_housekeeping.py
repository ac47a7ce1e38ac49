"""Housekeeping deletes finished idempotency keys and sent outbox rows by age, nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from credmarket_platform.db import Database, platform_metadata
from credmarket_platform.db.housekeeping import Retention, housekeep_once
from credmarket_platform.db.tables import idempotency_keys, inbox, outbox

pytestmark = pytest.mark.integration


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(platform_metadata.create_all)
    yield database
    await database.dispose()


def ago(hours: float) -> datetime:
    return datetime.now(UTC) - timedelta(hours=hours)


async def test_old_key_rows_and_sent_outbox_rows_go_and_everything_else_stays(db: Database) -> None:
    key = {"method": "POST", "path": "/x", "request_hash": "h", "response_body": b"{}"}
    row = {"event_type": "t", "topic": "t", "key": "k", "value": b"{}", "headers": []}
    async with db.engine.begin() as conn:
        await conn.execute(
            sa.insert(idempotency_keys),
            [
                {
                    **key,
                    "principal": "p",
                    "key": "old-done",
                    "status_code": 201,
                    "created_at": ago(48),
                },
                {
                    **key,
                    "principal": "p",
                    "key": "old-in-flight",
                    "status_code": None,
                    "created_at": ago(48),
                },
                {
                    **key,
                    "principal": "p",
                    "key": "recent",
                    "status_code": 201,
                    "created_at": ago(1),
                },
            ],
        )
        await conn.execute(
            sa.insert(outbox),
            [
                {**row, "event_id": "old-sent", "sent_at": ago(24 * 8)},
                {**row, "event_id": "old-unsent", "created_at": ago(24 * 8), "sent_at": None},
                {**row, "event_id": "recent-sent", "sent_at": ago(1)},
            ],
        )
        await conn.execute(
            sa.insert(inbox).values(
                consumer_group="g", event_id="e", event_type="t", handled_at=ago(24 * 60)
            )
        )

    deleted = await housekeep_once(db, Retention())

    # A key never answered (released after a 5xx, or its process died) goes too, once
    # past any client's retries: released keys are kept bound to their request meanwhile.
    assert deleted == {"idempotency_keys": 2, "outbox": 1}
    async with db.engine.connect() as conn:
        keys = set(await conn.scalars(sa.select(idempotency_keys.c.key)))
        events = set(await conn.scalars(sa.select(outbox.c.event_id)))
        inbox_rows = await conn.scalar(sa.select(sa.func.count()).select_from(inbox))
    assert keys == {"recent"}
    assert events == {"old-unsent", "recent-sent"}  # never an unsent event
    assert inbox_rows == 1  # the inbox must outlive the topics' retention
    assert await housekeep_once(db, Retention()) == {"idempotency_keys": 0, "outbox": 0}
