"""What ops watch of webhook delivery: the backlog, recent failures, troubled endpoints."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.db.tables import webhook_endpoints, webhook_messages
from catalog.db.webhook_repository import DbRow


async def backlog(session: AsyncSession) -> tuple[int, datetime | None]:
    row = (
        await session.execute(
            sa.select(sa.func.count(), sa.func.min(webhook_messages.c.enqueued_at)).where(
                webhook_messages.c.status == "pending"
            )
        )
    ).one()
    return int(row[0]), row[1]


async def failed_since(session: AsyncSession, since: datetime) -> int:
    stmt = sa.select(sa.func.count()).where(
        webhook_messages.c.status == "failed", webhook_messages.c.last_attempt_at >= since
    )
    return int((await session.execute(stmt)).scalar_one())


async def troubled_endpoints(session: AsyncSession, limit: int = 200) -> Sequence[DbRow]:
    """Enabled endpoints whose last attempt failed, and those disabled for failing."""
    stmt = (
        sa.select(webhook_endpoints)
        .where(
            webhook_endpoints.c.deleted_at.is_(None),
            sa.or_(
                sa.and_(
                    webhook_endpoints.c.enabled.is_(True),
                    webhook_endpoints.c.failing_since.is_not(None),
                ),
                webhook_endpoints.c.disabled_reason == "failing",
            ),
        )
        .order_by(webhook_endpoints.c.failing_since.nulls_last(), webhook_endpoints.c.id)
        .limit(limit)
    )
    return (await session.execute(stmt)).all()


async def pending_by_endpoint(
    session: AsyncSession, endpoint_ids: Sequence[UUID]
) -> dict[UUID, tuple[int, datetime | None]]:
    if not endpoint_ids:
        return {}
    stmt = (
        sa.select(
            webhook_messages.c.endpoint_id,
            sa.func.count(),
            sa.func.min(webhook_messages.c.enqueued_at),
        )
        .where(
            webhook_messages.c.status == "pending",
            webhook_messages.c.endpoint_id.in_(endpoint_ids),
        )
        .group_by(webhook_messages.c.endpoint_id)
    )
    return {r[0]: (int(r[1]), r[2]) for r in (await session.execute(stmt)).all()}
