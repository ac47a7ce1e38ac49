"""One event in, one message per subscribed endpoint of its provider out, in the same
transaction as whatever else handles the event."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from credmarket_events.envelope import Envelope
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.db import webhook_repository as hooks
from catalog.domain.webhook_payload import structured
from catalog.ids import new_id

WEBHOOK_CHANNEL = "credmarket_webhooks"
_NOTIFIED = "credmarket_webhooks_notified"


_MESSAGE_ID = re.compile(r"^msg_[0-9a-f]{32}\Z")


def message_id() -> str:
    # Time-ordered, so a receiver's log sorts like ours.
    return f"msg_{new_id().hex}"


def is_message_id(raw: str) -> bool:
    """Shaped like one of ours (anything else is no message of ours)."""
    return _MESSAGE_ID.match(raw) is not None


async def enqueue(
    session: AsyncSession,
    envelope: Envelope[Any],
    provider_id: UUID,
    ordering_key: str,
    now: datetime,
) -> int:
    """Messages for ``envelope`` to every endpoint of the provider that wants it."""
    endpoints = await hooks.subscribed_endpoints(session, provider_id, envelope.type)
    return await enqueue_to(session, endpoints, envelope, provider_id, ordering_key, now)


async def enqueue_to(
    session: AsyncSession,
    endpoints: list[UUID],
    envelope: Envelope[Any],
    provider_id: UUID,
    ordering_key: str,
    now: datetime,
) -> int:
    """Messages for ``envelope`` to ``endpoints``, found by the caller (the consumed
    events find them with the statement that reads or writes their enrollment)."""
    if not endpoints:
        return 0
    messages = hooks.EventMessages(
        message_ids=[message_id() for _ in endpoints],
        endpoint_ids=endpoints,
        provider_id=provider_id,
        event_id=envelope.id,
        event_type=envelope.type,
        ordering_key=ordering_key,
        payload=structured(envelope),
        event_time=envelope.time,
        now=now,
    )
    return await hooks.insert_event_messages(session, messages, WEBHOOK_CHANNEL)


async def notify_delivery(session: AsyncSession) -> None:
    # Delivered by PostgreSQL only when (and if) the transaction commits: the delivery
    # workers wake at once instead of at their next poll. Once per transaction is
    # enough (PostgreSQL folds identical notifications anyway): the consumer handles a
    # batch of events in one.
    transaction = session.get_transaction()
    if transaction is not None and session.info.get(_NOTIFIED) is transaction:
        return
    session.info[_NOTIFIED] = transaction
    await session.execute(sa.select(sa.func.pg_notify(WEBHOOK_CHANNEL, "")))
