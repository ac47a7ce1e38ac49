"""Deleting what the plumbing no longer needs: finished idempotency keys and sent outbox rows.

Safe with several replicas running it at once: each is a plain DELETE by age. The
inbox is kept: it must outlive the topics' retention, or an old redelivery would
have a second effect.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from credmarket_platform.db.database import Database
from credmarket_platform.db.tables import idempotency_keys, outbox
from credmarket_platform.periodic import periodic_task

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


def housekeeping_task(
    db: Database, retention: Retention, interval_s: float
) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    async def once() -> None:
        deleted = await housekeep_once(db, retention)
        if any(deleted.values()):
            log.info("housekeeping deleted %s", deleted)

    return periodic_task("housekeeping", once, interval_s=interval_s)
