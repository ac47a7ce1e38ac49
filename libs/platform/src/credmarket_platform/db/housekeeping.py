"""Deleting what the plumbing no longer needs: finished idempotency keys and sent outbox rows.

Safe with several replicas running it at once: each is a plain DELETE by age. The
inbox is kept: it must outlive the topics' retention, or an old redelivery would
have a second effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from credmarket_platform.db.database import Database
from credmarket_platform.db.tables import idempotency_keys, outbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Retention:
    # Long enough for any client retry with the same Idempotency-Key.
    idempotency_keys: timedelta = timedelta(hours=24)
    # Sent rows help ops trace recent flows; the events themselves live on in Kafka.
    sent_outbox_rows: timedelta = timedelta(days=7)


async def housekeep_once(db: Database, retention: Retention) -> dict[str, int]:
    """One pass; returns how many rows of each kind were deleted."""
    async with db.engine.begin() as conn:
        # Answered keys, and keys whose request never got an answer (released after a
        # 5xx, or whose process died): either way past any client's retries.
        keys = await conn.execute(
            sa.delete(idempotency_keys).where(
                idempotency_keys.c.created_at
                < sa.func.now() - sa.literal(retention.idempotency_keys),
            )
        )
        sent = await conn.execute(
            sa.delete(outbox).where(
                outbox.c.sent_at.is_not(None),
                outbox.c.sent_at < sa.func.now() - sa.literal(retention.sent_outbox_rows),
            )
        )
    return {"idempotency_keys": keys.rowcount, "outbox": sent.rowcount}


@contextlib.asynccontextmanager
async def running_housekeeping(
    db: Database, retention: Retention, interval_s: float
) -> AsyncIterator[None]:
    async def loop() -> None:
        while True:
            try:
                deleted = await housekeep_once(db, retention)
                if any(deleted.values()):
                    log.info("housekeeping deleted %s", deleted)
            except Exception as exc:  # the database may be away for a while; try next time
                log.warning("housekeeping failed: %r", exc)
            await asyncio.sleep(interval_s)

    task = asyncio.create_task(loop(), name="housekeeping")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def housekeeping_task(db: Database, retention: Retention, interval_s: float) -> Any:
    @contextlib.asynccontextmanager
    async def task(_app: Any) -> AsyncIterator[None]:
        async with running_housekeeping(db, retention, interval_s):
            yield

    return task
