"""One async engine per service process, and units of work on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from credmarket_platform.db.unit_of_work import UnitOfWork


class Database:
    def __init__(
        self, url: str, *, topic_prefix: str = "", pool_size: int = 20, max_overflow: int = 10
    ) -> None:
        # Overflow connections are closed when returned, so a process that often had
        # more than pool_size in use opened a new PostgreSQL backend per request just
        # when it was busiest (issue 11's search load). 20 kept covers a busy process
        # (at most 64 requests in flight, most not in the database at once).
        self.url = url
        self.topic_prefix = topic_prefix
        self.engine: AsyncEngine = create_async_engine(
            url, pool_size=pool_size, max_overflow=max_overflow, pool_recycle=1800
        )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

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
