"""An event's webhook messages and the delivery workers' wake-up, on the real database.

The webhook tests poll every 50 ms, so they would not notice a lost wake-up: this one
listens on the channel itself.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import catalog
import sqlalchemy as sa
from catalog.db.tables import providers, webhook_endpoints, webhook_messages
from catalog.domain.webhook_payload import structured
from catalog.webhooks.fanout import WEBHOOK_CHANNEL, enqueue_to
from credmarket_events.enrollment import EnrollmentActivatedV1
from credmarket_events.envelope import Envelope
from credmarket_events.testing import make_event
from credmarket_platform.db.database import Database
from credmarket_platform.db.migrations import upgrade_async
from credmarket_testing.wait import wait_until

MIGRATIONS = Path(catalog.__file__).parent / "db" / "migrations"

SENTINEL = "sentinel"


async def test_fanned_out_messages_are_written_once_and_wake_the_workers_only_on_commit(
    database_url: str,
) -> None:
    await upgrade_async(MIGRATIONS, database_url)
    db = Database(database_url)
    heard: list[str] = []
    listener = await asyncpg.connect(db.asyncpg_dsn())
    await listener.add_listener(WEBHOOK_CHANNEL, lambda *args: heard.append(args[3]))
    try:
        now = datetime.now(UTC)
        provider_id, endpoint_id = uuid.uuid4(), uuid.uuid4()
        async with db.unit_of_work() as uow:
            await uow.session.execute(
                sa.insert(providers).values(
                    id=provider_id,
                    name="Academy",
                    contact_email="a@academy.example",
                    registered_at=now,
                    updated_at=now,
                )
            )
            await uow.session.execute(
                sa.insert(webhook_endpoints).values(
                    id=endpoint_id,
                    provider_id=provider_id,
                    url="https://academy.example/hooks",
                    event_types=[EnrollmentActivatedV1.event_type],
                    enabled=True,
                    created_at=now,
                    updated_at=now,
                )
            )
            await uow.commit()
        data = make_event(EnrollmentActivatedV1, provider_id=provider_id)
        envelope = Envelope(data=data, source="/enrollment")

        async with db.unit_of_work() as uow:
            assert await enqueue_to(uow.session, [endpoint_id], envelope, provider_id, "k", now)
            await uow.rollback()
        async with db.unit_of_work() as uow:
            assert await enqueue_to(uow.session, [endpoint_id], envelope, provider_id, "k", now)
            await uow.commit()
        # Notifications arrive in commit order: once ours is heard, everything before it
        # is. One wake-up: the rolled-back messages never wake anyone.
        await listener.execute("SELECT pg_notify($1, $2)", WEBHOOK_CHANNEL, SENTINEL)
        await wait_until(lambda: SENTINEL in heard, timeout=10, message="no notification")
        assert heard == ["", SENTINEL]
        # Redelivered: the message is there already.
        async with db.unit_of_work() as uow:
            again = await enqueue_to(uow.session, [endpoint_id], envelope, provider_id, "k", now)
            assert again == 0
            await uow.commit()

        async with db.unit_of_work() as uow:
            rows = (await uow.session.execute(sa.select(webhook_messages))).mappings().all()
        [row] = rows
        assert row["endpoint_id"] == endpoint_id
        assert row["provider_id"] == provider_id
        assert row["event_id"] == envelope.id
        assert row["event_type"] == envelope.type
        assert row["ordering_key"] == "k"
        assert row["payload"] == structured(envelope)
        assert row["event_time"] == envelope.time
        assert row["status"] == "pending"
        assert row["attempts"] == 0
        assert row["enqueued_at"] == row["next_attempt_at"] == now
        assert row["id"].startswith("msg_")
    finally:
        await listener.close()
        await db.engine.dispose()
