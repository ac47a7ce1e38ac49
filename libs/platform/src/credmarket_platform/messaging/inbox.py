"""The inbox: which events a consumer group has handled, claimed in the handling transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from credmarket_platform.db.database import Database

# Every consumed event runs this: one prepared statement on the driver, not a statement
# the ORM builds anew for each batch size. The ids that come back are the fresh ones;
# an id already there (a redelivery) stops at the conflict.
_CLAIM = """
INSERT INTO inbox (consumer_group, event_id, event_type)
SELECT $1, event_id, event_type FROM unnest($2::varchar[], $3::varchar[]) AS e(event_id, event_type)
ON CONFLICT DO NOTHING
RETURNING event_id
"""


async def claim(session: AsyncSession, group: str, events: list[tuple[str, str]]) -> set[str]:
    """Record (event id, type) pairs as handled by ``group``; returns the ids not seen before.

    Part of the session's transaction: rolled back with the handler's work.
    """
    if not events:
        return set()
    # Through the session's connection (exec_driver_sql: no statement building), so that
    # it runs inside the transaction the session began, never on its own.
    connection = await session.connection()
    result = await connection.exec_driver_sql(
        _CLAIM, (group, [e for e, _ in events], [t for _, t in events])
    )
    return {row[0] for row in result}


# A read, so no transaction: on the driver it is one round trip, where the engine's
# connection would have sent BEGIN and ROLLBACK around it.
_HAS = "SELECT EXISTS (SELECT 1 FROM inbox WHERE consumer_group = $1 AND event_id = $2)"


async def inbox_has(db: Database, group: str, event_id: str) -> bool:
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None, "a checked-out connection has its asyncpg connection"
        return bool(await driver.fetchval(_HAS, group, event_id))
