"""A unit of work: one database transaction plus the events it causes."""

from __future__ import annotations

import json
from typing import Any

from credmarket_events.base import EventData
from credmarket_events.envelope import Envelope, encode
from sqlalchemy.ext.asyncio import AsyncSession

OUTBOX_CHANNEL = "credmarket_outbox"

_WRITE_OUTBOX = """
INSERT INTO outbox (event_id, event_type, topic, key, value, headers)
SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[],
                     $5::bytea[], $6::jsonb[])
RETURNING pg_notify($7, '')
"""


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
        columns: tuple[list[Any], ...] = ([], [], [], [], [], [])
        for env in self.emitted:
            msg = encode(env)
            row = (
                env.id,
                env.type,
                self.topic_prefix + msg.topic,
                msg.key.decode(),
                msg.value,
                json.dumps([[k, v.decode()] for k, v in msg.headers]),
            )
            for column, value in zip(columns, row, strict=True):
                column.append(value)
        # Every emitting transaction runs this: one prepared statement, passed to the
        # driver as it is (no statement building by the ORM), inside the session's
        # transaction, writes the rows and wakes the relays (the NOTIFY rides on
        # RETURNING: no round trip of its own; PostgreSQL delivers it once, when and if
        # the transaction commits).
        connection = await self.session.connection()
        await connection.exec_driver_sql(_WRITE_OUTBOX, (*columns, OUTBOX_CHANNEL))
        self.emitted.clear()

    async def commit(self) -> None:
        await self._write_outbox()
        await self.session.commit()
        self.committed = True

    async def rollback(self) -> None:
        self.emitted.clear()
        await self.session.rollback()
