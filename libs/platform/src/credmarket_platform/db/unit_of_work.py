"""A unit of work: one database transaction plus the events it causes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from credmarket_events.base import EventData
from credmarket_events.envelope import Envelope, encode
from sqlalchemy.ext.asyncio import AsyncSession

from credmarket_platform.db.tables import outbox

OUTBOX_CHANNEL = "credmarket_outbox"


class UnitOfWork:
    """Wraps a session; events emitted here commit or roll back with the state.

    ``topic_prefix`` lets tests run against their own topics.
    """

    def __init__(self, session: AsyncSession, topic_prefix: str = "") -> None:
        self.session = session
        self.topic_prefix = topic_prefix
        self.committed = False
        self.emitted: list[Envelope[Any]] = []

    def emit(self, envelope: Envelope[Any]) -> None:
        """Queue an event for the outbox; it is written with the next flush/commit."""
        self.emitted.append(envelope)

    def emit_new(
        self, data: EventData, source: str, *, cause: Envelope[Any] | None = None
    ) -> Envelope[Any]:
        env = (
            cause.caused(data, source) if cause is not None else Envelope(data=data, source=source)
        )
        self.emit(env)
        return env

    async def _write_outbox(self) -> None:
        if not self.emitted:
            return
        rows = []
        for env in self.emitted:
            msg = encode(env)
            rows.append(
                {
                    "event_id": env.id,
                    "event_type": env.type,
                    "topic": self.topic_prefix + msg.topic,
                    "key": msg.key.decode(),
                    "value": msg.value,
                    "headers": [[k, v.decode()] for k, v in msg.headers],
                }
            )
        await self.session.execute(sa.insert(outbox), rows)
        # Delivered by PostgreSQL only when (and if) the transaction commits.
        await self.session.execute(sa.select(sa.func.pg_notify(OUTBOX_CHANNEL, "")))
        self.emitted.clear()

    async def commit(self) -> None:
        await self._write_outbox()
        await self.session.commit()
        self.committed = True

    async def rollback(self) -> None:
        self.emitted.clear()
        await self.session.rollback()
