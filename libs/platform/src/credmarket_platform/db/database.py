"""One async engine per service process, and units of work on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from credmarket_platform.db.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from credmarket_platform.settings import ServiceSettings

# Defaults for code that builds a Database without settings (tests, tools): the same
# as ServiceSettings'.
LOCK_TIMEOUT_MS = 5_000
STATEMENT_TIMEOUT_MS = 30_000


class Database:
    def __init__(
        self,
        url: str,
        *,
        topic_prefix: str = "",
        pool_size: int = 20,
        max_overflow: int = 10,
        lock_timeout_ms: int = LOCK_TIMEOUT_MS,
        statement_timeout_ms: int = STATEMENT_TIMEOUT_MS,
    ) -> None:
        # Overflow connections are closed when returned, so a process that often had
        # more than pool_size in use opened a new PostgreSQL backend per request just
        # when it was busiest (issue 11's search load). 20 kept covers a busy process
        # (at most 64 requests in flight, most not in the database at once).
        self.url = url
        self.topic_prefix = topic_prefix
        # Set per connection, so no statement of the service can wait on a lock (its
        # own batch's included) or run for ever: the wait ends in an error that the
        # failure policy calls transient, and the work is retried.
        server_settings = {
            "lock_timeout": str(lock_timeout_ms),
            "statement_timeout": str(statement_timeout_ms),
        }
        self.engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_recycle=1800,
            connect_args={"server_settings": server_settings},
        )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def for_service(cls, settings: ServiceSettings) -> Database:
        return cls(
            settings.database_url,
            topic_prefix=settings.topic_prefix,
            lock_timeout_ms=settings.db_lock_timeout_ms,
            statement_timeout_ms=settings.db_statement_timeout_ms,
        )

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """A transaction: commit explicitly; anything not committed is rolled back."""
        async with self.sessions() as session:
            uow = UnitOfWork(session, self.topic_prefix)
            try:
                yield uow
            finally:
                if not uow.committed:
                    await session.rollback()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    def asyncpg_dsn(self) -> str:
        """The same database as a plain DSN, for LISTEN/NOTIFY on a raw connection."""
        return self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    async def dispose(self) -> None:
        await self.engine.dispose()
