"""The webhook queries the API, the handlers and the delivery worker share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.db.tables import (
    webhook_attempts,
    webhook_endpoints,
    webhook_messages,
    webhook_secrets,
)
from catalog.domain.webhook_event_types import PING_TYPE

DbRow = Row[*tuple[Any, ...]]

# --- endpoints ---------------------------------------------------------------------


async def insert_endpoint(session: AsyncSession, **values: Any) -> None:
    await session.execute(sa.insert(webhook_endpoints).values(**values))


async def get_endpoint(
    session: AsyncSession, endpoint_id: UUID, *, for_update: bool = False
) -> DbRow | None:
    stmt = sa.select(webhook_endpoints).where(
        webhook_endpoints.c.id == endpoint_id, webhook_endpoints.c.deleted_at.is_(None)
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).first()


async def list_endpoints(session: AsyncSession, provider_id: UUID) -> Sequence[DbRow]:
    stmt = (
        sa.select(webhook_endpoints)
        .where(
            webhook_endpoints.c.provider_id == provider_id,
            webhook_endpoints.c.deleted_at.is_(None),
        )
        .order_by(webhook_endpoints.c.created_at, webhook_endpoints.c.id)
    )
    return (await session.execute(stmt)).all()


async def count_endpoints(session: AsyncSession, provider_id: UUID) -> int:
    stmt = sa.select(sa.func.count()).where(
        webhook_endpoints.c.provider_id == provider_id, webhook_endpoints.c.deleted_at.is_(None)
    )
    return int((await session.execute(stmt)).scalar_one())


async def update_endpoint(session: AsyncSession, endpoint_id: UUID, **values: Any) -> None:
    await session.execute(
        sa.update(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id).values(**values)
    )


# Every event the catalog hears of, and every offering change, asks this: built once and
# passed to the driver as it is (building it anew cost more than running it).
_SUBSCRIBERS = """
SELECT w.id FROM webhook_endpoints AS w
WHERE w.provider_id = $1 AND w.enabled AND w.deleted_at IS NULL AND $2 = ANY(w.event_types)
"""


async def subscribed_endpoints(
    session: AsyncSession, provider_id: UUID, event_type: str
) -> list[UUID]:
    """The provider's enabled, not removed endpoints that asked for ``event_type``."""
    # The session's connection, so that it runs inside the session's transaction.
    connection = await session.connection()
    result = await connection.exec_driver_sql(_SUBSCRIBERS, (provider_id, event_type))
    return [row[0] for row in result]


# --- secrets -----------------------------------------------------------------------


async def insert_secret(
    session: AsyncSession,
    secret_id: UUID,
    endpoint_id: UUID,
    nonce: bytes,
    ciphertext: bytes,
    now: datetime,
) -> None:
    await session.execute(
        sa.insert(webhook_secrets).values(
            id=secret_id,
            endpoint_id=endpoint_id,
            nonce=nonce,
            ciphertext=ciphertext,
            created_at=now,
        )
    )


async def retire_secrets(
    session: AsyncSession, endpoint_id: UUID, now: datetime, until: datetime
) -> None:
    """The current secret keeps signing until ``until``; an older one stops now, so at
    most two are ever valid."""
    await session.execute(
        sa.update(webhook_secrets)
        .where(
            webhook_secrets.c.endpoint_id == endpoint_id,
            webhook_secrets.c.expires_at.is_not(None),
            webhook_secrets.c.expires_at > now,
        )
        .values(expires_at=now)
    )
    await session.execute(
        sa.update(webhook_secrets)
        .where(webhook_secrets.c.endpoint_id == endpoint_id, webhook_secrets.c.expires_at.is_(None))
        .values(expires_at=until)
    )


async def valid_secrets(
    session: AsyncSession, endpoint_ids: Sequence[UUID], now: datetime
) -> Sequence[DbRow]:
    stmt = (
        sa.select(webhook_secrets)
        .where(
            webhook_secrets.c.endpoint_id.in_(endpoint_ids),
            sa.or_(webhook_secrets.c.expires_at.is_(None), webhook_secrets.c.expires_at > now),
        )
        .order_by(webhook_secrets.c.created_at.desc())
    )
    return (await session.execute(stmt)).all()


async def previous_secret_expiry(
    session: AsyncSession, endpoint_id: UUID, now: datetime
) -> datetime | None:
    stmt = sa.select(sa.func.max(webhook_secrets.c.expires_at)).where(
        webhook_secrets.c.endpoint_id == endpoint_id, webhook_secrets.c.expires_at > now
    )
    value: datetime | None = (await session.execute(stmt)).scalar_one()
    return value


# --- enrollments the catalog has heard of ------------------------------------------


# A step seen twice, or out of order, only ever adds to what is known: the completion
# flag is OR-ed (revoked is only ever set by the revocation), the provider stays the first
# one heard of.
_REMEMBER = """
INSERT INTO webhook_enrollments AS e (enrollment_id, provider_id, completed, revoked)
VALUES ($1, $2, $3, false)
ON CONFLICT (enrollment_id) DO UPDATE SET completed = e.completed OR excluded.completed
"""
# The subscribers of the step's type come back from the same statement: one round trip
# per consumed event instead of two. The write runs whether or not a row is read.
_REMEMBER_RETURNING_SUBSCRIBERS = """
WITH remembered AS (
    INSERT INTO webhook_enrollments AS e (enrollment_id, provider_id, completed, revoked)
    VALUES ($1, $2, $3, false)
    ON CONFLICT (enrollment_id) DO UPDATE SET completed = e.completed OR excluded.completed
)
SELECT w.id FROM webhook_endpoints AS w
WHERE w.provider_id = $2 AND w.enabled AND w.deleted_at IS NULL AND $4 = ANY(w.event_types)
"""
_KNOWN_WITH_SUBSCRIBERS = """
SELECT e.provider_id, e.completed, e.revoked, ARRAY(
    SELECT w.id FROM webhook_endpoints AS w
    WHERE w.provider_id = e.provider_id AND w.enabled AND w.deleted_at IS NULL
      AND $2 = ANY(w.event_types)
)
FROM webhook_enrollments AS e WHERE e.enrollment_id = $1
"""
# A revocation of an enrollment never heard of changes nothing and finds nothing.
_MARK_REVOKED_WITH_SUBSCRIBERS = """
UPDATE webhook_enrollments AS e SET revoked = true WHERE e.enrollment_id = $1
RETURNING e.provider_id, e.completed, e.revoked, ARRAY(
    SELECT w.id FROM webhook_endpoints AS w
    WHERE w.provider_id = e.provider_id AND w.enabled AND w.deleted_at IS NULL
      AND $2 = ANY(w.event_types)
)
"""


@dataclass(frozen=True)
class KnownEnrollment:
    provider_id: UUID
    completed: bool
    revoked: bool
    # The provider's endpoints that want the event being handled.
    subscribers: list[UUID]


async def remember_enrollment(
    session: AsyncSession,
    enrollment_id: UUID,
    provider_id: UUID,
    *,
    completed: bool = False,
) -> None:
    connection = await session.connection()
    await connection.exec_driver_sql(_REMEMBER, (enrollment_id, provider_id, completed))


async def remember_enrollment_for(
    session: AsyncSession,
    event_type: str,
    enrollment_id: UUID,
    provider_id: UUID,
    *,
    completed: bool = False,
) -> list[UUID]:
    """Remembers the step and returns the provider's endpoints subscribed to it."""
    connection = await session.connection()
    result = await connection.exec_driver_sql(
        _REMEMBER_RETURNING_SUBSCRIBERS,
        (enrollment_id, provider_id, completed, event_type),
    )
    return [row[0] for row in result]


async def known_enrollment(
    session: AsyncSession, enrollment_id: UUID, event_type: str
) -> KnownEnrollment | None:
    """What is known of the enrollment, with the endpoints that want ``event_type``."""
    connection = await session.connection()
    result = await connection.exec_driver_sql(_KNOWN_WITH_SUBSCRIBERS, (enrollment_id, event_type))
    return _known(result.first())


async def mark_revoked(
    session: AsyncSession, enrollment_id: UUID, event_type: str
) -> KnownEnrollment | None:
    """Marks a known enrollment revoked; None when it was never heard of."""
    connection = await session.connection()
    result = await connection.exec_driver_sql(
        _MARK_REVOKED_WITH_SUBSCRIBERS, (enrollment_id, event_type)
    )
    return _known(result.first())


def _known(row: DbRow | None) -> KnownEnrollment | None:
    if row is None:
        return None
    provider_id, completed, revoked, subscribers = row
    return KnownEnrollment(provider_id, completed, revoked, list(subscribers))


# --- messages ----------------------------------------------------------------------


async def insert_messages(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    # A redelivered event finds its messages there already: one message per endpoint
    # and event, so the webhook-id a receiver deduplicates by never changes.
    stmt = (
        insert(webhook_messages)
        .values(rows)
        .on_conflict_do_nothing(constraint="uq_webhook_messages_event")
        .returning(webhook_messages.c.seq)
    )
    return len((await session.execute(stmt)).all())


# Every event fanned out to subscribers runs this: its messages written and the delivery
# workers woken in one statement built once (the NOTIFY rides on the count: delivered
# once, when and if the transaction commits). A redelivered event finds its messages
# there already, as in insert_messages.
_INSERT_EVENT_MESSAGES = """
WITH inserted AS (
    INSERT INTO webhook_messages (
        id, endpoint_id, provider_id, event_id, event_type, ordering_key, payload,
        event_time, enqueued_at, status, attempts, next_attempt_at
    )
    SELECT m.id, m.endpoint_id, $3::uuid, $4::text, $5::text, $6::text, $7::text,
           $8::timestamptz, $9::timestamptz, 'pending', 0, $9::timestamptz
    FROM unnest($1::varchar[], $2::uuid[]) AS m(id, endpoint_id)
    ON CONFLICT ON CONSTRAINT uq_webhook_messages_event DO NOTHING
    RETURNING seq
)
SELECT count(*), pg_notify($10, '') FROM inserted
"""


@dataclass(frozen=True)
class EventMessages:
    """One event's messages, one per endpoint, all pending from ``now``."""

    message_ids: list[str]
    endpoint_ids: list[UUID]
    provider_id: UUID
    event_id: str
    event_type: str
    ordering_key: str
    payload: str
    event_time: datetime
    now: datetime


async def insert_event_messages(session: AsyncSession, m: EventMessages, channel: str) -> int:
    """Writes the messages and notifies ``channel``; returns how many were new."""
    connection = await session.connection()
    result = await connection.exec_driver_sql(
        _INSERT_EVENT_MESSAGES,
        (
            m.message_ids,
            m.endpoint_ids,
            m.provider_id,
            m.event_id,
            m.event_type,
            m.ordering_key,
            m.payload,
            m.event_time,
            m.now,
            channel,
        ),
    )
    return int(result.one()[0])


async def ping_pending(session: AsyncSession, endpoint_id: UUID) -> bool:
    stmt = sa.select(
        sa.exists().where(
            webhook_messages.c.endpoint_id == endpoint_id,
            webhook_messages.c.event_type == PING_TYPE,
            webhook_messages.c.status == "pending",
        )
    )
    return bool((await session.execute(stmt)).scalar_one())


async def get_message(session: AsyncSession, endpoint_id: UUID, message_id: str) -> DbRow | None:
    stmt = sa.select(webhook_messages).where(
        webhook_messages.c.endpoint_id == endpoint_id, webhook_messages.c.id == message_id
    )
    return (await session.execute(stmt)).first()


async def list_messages(
    session: AsyncSession,
    endpoint_id: UUID,
    *,
    status: str | None,
    before_seq: int | None,
    limit: int,
) -> Sequence[DbRow]:
    stmt = sa.select(webhook_messages).where(webhook_messages.c.endpoint_id == endpoint_id)
    if status is not None:
        stmt = stmt.where(webhook_messages.c.status == status)
    if before_seq is not None:
        stmt = stmt.where(webhook_messages.c.seq < before_seq)
    stmt = stmt.order_by(webhook_messages.c.seq.desc()).limit(limit)
    return (await session.execute(stmt)).all()


async def attempts_of(
    session: AsyncSession, message_seqs: Sequence[int], per_message: int
) -> dict[int, list[DbRow]]:
    if not message_seqs:
        return {}
    ranked = sa.select(
        webhook_attempts,
        sa.func.row_number()
        .over(partition_by=webhook_attempts.c.message_seq, order_by=webhook_attempts.c.id.desc())
        .label("rank"),
    ).where(webhook_attempts.c.message_seq.in_(message_seqs))
    sub = ranked.subquery()
    stmt = sa.select(sub).where(sub.c.rank <= per_message).order_by(sub.c.id)
    out: dict[int, list[DbRow]] = {}
    for row in (await session.execute(stmt)).all():
        out.setdefault(row.message_seq, []).append(row)
    return out


def _redeliver_values(now: datetime) -> dict[str, Any]:
    return {"status": "pending", "next_attempt_at": now, "leased_until": None}


async def redeliver_message(
    session: AsyncSession, endpoint_id: UUID, message_id: str, now: datetime
) -> bool:
    result = await session.execute(
        sa.update(webhook_messages)
        .where(webhook_messages.c.endpoint_id == endpoint_id, webhook_messages.c.id == message_id)
        .values(enqueued_at=now, **_redeliver_values(now))
        .returning(webhook_messages.c.seq)
    )
    return result.first() is not None


async def redeliver_since(
    session: AsyncSession, endpoint_id: UUID, since: datetime, now: datetime
) -> int:
    # Their retry window starts again now; their webhook-ids stay.
    result = await session.execute(
        sa.update(webhook_messages)
        .where(
            webhook_messages.c.endpoint_id == endpoint_id,
            webhook_messages.c.event_time >= since,
        )
        .values(enqueued_at=now, **_redeliver_values(now))
        .returning(webhook_messages.c.seq)
    )
    return len(result.all())


async def abandon_pending(session: AsyncSession, endpoint_id: UUID) -> None:
    """A removed endpoint's waiting messages will never go: they stop counting as backlog."""
    await session.execute(
        sa.update(webhook_messages)
        .where(
            webhook_messages.c.endpoint_id == endpoint_id, webhook_messages.c.status == "pending"
        )
        .values(status="failed", leased_until=None)
    )


async def forget_before(session: AsyncSession, before: datetime, batch: int = 1000) -> int:
    """The delivery log is kept for a while, not for ever: finished messages enqueued
    before ``before`` go, with their attempts, a batch at a time."""
    stmt = (
        sa.select(webhook_messages.c.seq)
        .where(webhook_messages.c.status != "pending", webhook_messages.c.enqueued_at < before)
        .limit(batch)
    )
    seqs = list((await session.execute(stmt)).scalars())
    if not seqs:
        return 0
    await session.execute(
        sa.delete(webhook_attempts).where(webhook_attempts.c.message_seq.in_(seqs))
    )
    await session.execute(sa.delete(webhook_messages).where(webhook_messages.c.seq.in_(seqs)))
    return len(seqs)


async def restart_pending(session: AsyncSession, endpoint_id: UUID, now: datetime) -> None:
    """A re-enabled endpoint gets what waited for it, each with a whole window again."""
    await session.execute(
        sa.update(webhook_messages)
        .where(
            webhook_messages.c.endpoint_id == endpoint_id, webhook_messages.c.status == "pending"
        )
        .values(enqueued_at=now, next_attempt_at=now, leased_until=None)
    )
