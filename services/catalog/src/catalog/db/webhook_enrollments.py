"""The enrollments the catalog has heard of, so an event that names no provider finds its
provider, and the provider's endpoints subscribed to the event being handled.

Each consumed event runs one of these statements, built once and run through the
session's connection (inside the consumer's transaction): one round trip per event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

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


def _known(row: Row[*tuple[Any, ...]] | None) -> KnownEnrollment | None:
    if row is None:
        return None
    provider_id, completed, revoked, subscribers = row
    return KnownEnrollment(provider_id, completed, revoked, list(subscribers))
