"""Queries the API, the handlers and the sweep share."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from enrollment.db.mapping import (
    enrollment_from_row,
    enrollment_to_row,
    head_from_row,
    version_from_row,
)
from enrollment.db.tables import Enrollment as EnrollmentRow
from enrollment.db.tables import EnrollmentUpdate
from enrollment.db.tables import Offering as OfferingRow
from enrollment.db.tables import OfferingVersion as VersionRow
from enrollment.domain.enrollment import Enrollment
from enrollment.domain.offerings import OfferingHead
from enrollment.domain.purchase import OfferingVersion
from enrollment.domain.status import LIVE_STATUSES, EnrollmentStatus
from enrollment.domain.updates import Update

enrollments = EnrollmentRow.__table__  # type: ignore[attr-defined]
offerings = OfferingRow.__table__  # type: ignore[attr-defined]
offering_versions = VersionRow.__table__  # type: ignore[attr-defined]


# --- offerings ------------------------------------------------------------------------


async def load_head(
    session: AsyncSession, offering_id: UUID, *, for_update: bool = False
) -> OfferingHead | None:
    query = sa.select(offerings).where(offerings.c.offering_id == offering_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return head_from_row(row) if row else None


async def save_head(session: AsyncSession, head: OfferingHead) -> None:
    values = {
        "offering_id": head.offering_id,
        "provider_id": head.provider_id,
        "current_version": head.current_version,
        "status": head.status.value,
        "changed_at": head.changed_at,
    }
    stmt = insert(offerings).values(**values)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=[offerings.c.offering_id], set_=values)
    )


async def add_version(
    session: AsyncSession,
    version: OfferingVersion,
    achievement: dict[str, Any],
    received_at: datetime,
) -> None:
    """Versions are immutable: a redelivered version is ignored."""
    await session.execute(
        insert(offering_versions)
        .values(
            offering_id=version.offering_id,
            version=version.version,
            provider_id=version.provider_id,
            title=version.title,
            price_amount=version.price.amount,
            price_currency=version.price.currency,
            achievement=achievement,
            received_at=received_at,
        )
        .on_conflict_do_nothing(index_elements=["offering_id", "version"])
    )


async def load_version(
    session: AsyncSession, offering_id: UUID, version: int
) -> OfferingVersion | None:
    row = (
        (
            await session.execute(
                sa.select(offering_versions).where(
                    offering_versions.c.offering_id == offering_id,
                    offering_versions.c.version == version,
                )
            )
        )
        .mappings()
        .first()
    )
    return version_from_row(row) if row else None


async def load_achievement(
    session: AsyncSession, offering_id: UUID, version: int
) -> dict[str, Any] | None:
    value = await session.scalar(
        sa.select(offering_versions.c.achievement).where(
            offering_versions.c.offering_id == offering_id,
            offering_versions.c.version == version,
        )
    )
    return dict(value) if value is not None else None


@dataclass(frozen=True)
class PurchaseFacts:
    """What decides a purchase: a live enrollment of the learner in the offering (its id),
    the offering's head and the head's current version."""

    live_enrollment_id: UUID | None
    head: OfferingHead | None
    current: OfferingVersion | None


_HEAD_COLUMNS = ("offering_id", "provider_id", "current_version", "status", "changed_at")
_VERSION_COLUMNS = ("version", "title", "price_amount", "price_currency")
# The three reads of a purchase in one statement built once: outer joins from a one-row
# select, so a missing offering still answers (with NULLs) and the live enrollment is
# still seen.
_PURCHASE_FACTS = sa.select(
    sa.select(enrollments.c.id)
    .where(
        enrollments.c.learner_id == sa.bindparam("learner_id"),
        enrollments.c.offering_id == sa.bindparam("offering_id"),
        enrollments.c.status.in_([s.value for s in LIVE_STATUSES]),
    )
    .limit(1)
    .scalar_subquery()
    .label("live_enrollment_id"),
    *(offerings.c[name].label(f"head_{name}") for name in _HEAD_COLUMNS),
    *(offering_versions.c[name].label(f"version_{name}") for name in _VERSION_COLUMNS),
).select_from(
    sa.select(sa.literal(1).label("one"))
    .subquery()
    .outerjoin(offerings, offerings.c.offering_id == sa.bindparam("offering_id"))
    .outerjoin(
        offering_versions,
        sa.and_(
            offering_versions.c.offering_id == offerings.c.offering_id,
            offering_versions.c.version == offerings.c.current_version,
        ),
    )
)


async def purchase_facts(
    session: AsyncSession, learner_id: UUID, offering_id: UUID
) -> PurchaseFacts:
    row = (
        (
            await session.execute(
                _PURCHASE_FACTS, {"learner_id": learner_id, "offering_id": offering_id}
            )
        )
        .mappings()
        .one()
    )
    if row["head_offering_id"] is None:
        return PurchaseFacts(row["live_enrollment_id"], None, None)
    head = head_from_row({name: row[f"head_{name}"] for name in _HEAD_COLUMNS})
    current = None
    if row["version_version"] is not None:
        current = version_from_row(
            {
                "offering_id": head.offering_id,
                "provider_id": head.provider_id,
                **{name: row[f"version_{name}"] for name in _VERSION_COLUMNS},
            }
        )
    return PurchaseFacts(row["live_enrollment_id"], head, current)


# --- enrollments ----------------------------------------------------------------------


# The statements every purchase runs are built once; each execution only binds values
# (building an UPDATE of 30 columns anew cost more than the round trip).
_LOAD = sa.select(enrollments).where(enrollments.c.id == sa.bindparam("enrollment_key"))
# Events of one enrollment arrive on several topics and partitions, and the learner may
# act at the same time: transitions of one enrollment are serial.
_LOAD_FOR_UPDATE = _LOAD.with_for_update()
_INSERT = sa.insert(enrollments)
# No SET clause here: it is every column the parameters name.
_SAVE = sa.update(enrollments).where(enrollments.c.id == sa.bindparam("enrollment_key"))


async def load(
    session: AsyncSession, enrollment_id: UUID, *, for_update: bool = False
) -> Enrollment | None:
    query = _LOAD_FOR_UPDATE if for_update else _LOAD
    row = (await session.execute(query, {"enrollment_key": enrollment_id})).mappings().first()
    return enrollment_from_row(row) if row else None


async def insert_new(session: AsyncSession, e: Enrollment, now: datetime) -> None:
    await session.execute(_INSERT, {**enrollment_to_row(e), "updated_at": now})


async def save(session: AsyncSession, e: Enrollment, now: datetime) -> None:
    row = enrollment_to_row(e)
    del row["id"]
    await session.execute(_SAVE, {**row, "updated_at": now, "enrollment_key": e.id})


async def find_live(
    session: AsyncSession, learner_id: UUID, offering_id: UUID
) -> Enrollment | None:
    row = (
        (
            await session.execute(
                sa.select(enrollments).where(
                    enrollments.c.learner_id == learner_id,
                    enrollments.c.offering_id == offering_id,
                    enrollments.c.status.in_([s.value for s in LIVE_STATUSES]),
                )
            )
        )
        .mappings()
        .first()
    )
    return enrollment_from_row(row) if row else None


@dataclass(frozen=True)
class ListFilter:
    learner_id: UUID | None = None
    provider_id: UUID | None = None
    status: EnrollmentStatus | None = None
    offering_id: UUID | None = None


async def list_page(
    session: AsyncSession,
    f: ListFilter,
    *,
    limit: int,
    offset: int = 0,
    after: tuple[datetime, UUID] | None = None,
) -> tuple[list[Enrollment], int]:
    """Newest first; ``after`` is the (created_at, id) of the previous page's last item."""
    conditions: list[sa.ColumnElement[bool]] = []
    if f.learner_id is not None:
        conditions.append(enrollments.c.learner_id == f.learner_id)
    if f.provider_id is not None:
        conditions.append(enrollments.c.provider_id == f.provider_id)
    if f.status is not None:
        conditions.append(enrollments.c.status == f.status.value)
    if f.offering_id is not None:
        conditions.append(enrollments.c.offering_id == f.offering_id)
    where = sa.and_(sa.true(), *conditions)
    total = await session.scalar(sa.select(sa.func.count()).select_from(enrollments).where(where))
    if after is not None:
        where = sa.and_(
            where, sa.tuple_(enrollments.c.created_at, enrollments.c.id) < sa.tuple_(*after)
        )
    rows = (
        (
            await session.execute(
                sa.select(enrollments)
                .where(where)
                .order_by(enrollments.c.created_at.desc(), enrollments.c.id.desc())
                .limit(limit)
                .offset(offset)
            )
        )
        .mappings()
        .all()
    )
    return [enrollment_from_row(r) for r in rows], int(total or 0)


async def claim_overdue(session: AsyncSession, now: datetime, limit: int) -> list[Enrollment]:
    """Overdue pending enrollments, locked; rows another replica holds are skipped."""
    rows = (
        (
            await session.execute(
                sa.select(enrollments)
                .where(
                    enrollments.c.status == EnrollmentStatus.PENDING_PAYMENT.value,
                    enrollments.c.payment_deadline <= now,
                )
                .order_by(enrollments.c.payment_deadline)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        .mappings()
        .all()
    )
    return [enrollment_from_row(r) for r in rows]


UPDATES_CHANNEL = "enrollment_updates"
_RECORD_UPDATES = """
INSERT INTO enrollment_updates (enrollment_id, kind, data, created_at)
SELECT $1, u.kind, u.data, $4
FROM unnest($2::varchar[], $3::jsonb[]) WITH ORDINALITY AS u(kind, data, n)
ORDER BY u.n
RETURNING pg_notify($5, enrollment_id::text)
"""


async def record_updates(
    session: AsyncSession, enrollment_id: UUID, updates: list[Update], now: datetime
) -> None:
    """Stored with the change, and announced to every process's live streams on commit."""
    if not updates:
        return
    # One statement stores them and raises the NOTIFY (on RETURNING; delivered once, at
    # commit, and not at all on rollback), passed to the driver as it is.
    connection = await session.connection()
    await connection.exec_driver_sql(
        _RECORD_UPDATES,
        (
            enrollment_id,
            [u.kind for u in updates],
            [json.dumps(u.data) for u in updates],
            now,
            UPDATES_CHANNEL,
        ),
    )


async def forget_updates_before(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Drop one batch of live-status updates older than ``cutoff``; how many went."""
    t = EnrollmentUpdate.__table__  # type: ignore[attr-defined]
    oldest = sa.select(t.c.id).where(t.c.created_at < cutoff).order_by(t.c.id).limit(limit)
    result = await session.execute(sa.delete(t).where(t.c.id.in_(oldest.scalar_subquery())))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def updates_after(
    session: AsyncSession, enrollment_id: UUID, after_id: int, limit: int
) -> list[tuple[int, str, dict[str, Any]]]:
    t = EnrollmentUpdate.__table__  # type: ignore[attr-defined]
    rows = await session.execute(
        sa.select(t.c.id, t.c.kind, t.c.data)
        .where(t.c.enrollment_id == enrollment_id, t.c.id > after_id)
        .order_by(t.c.id)
        .limit(limit)
    )
    return [(int(r.id), str(r.kind), dict(r.data)) for r in rows]
