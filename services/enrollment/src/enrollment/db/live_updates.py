"""Wakes each process's live status streams when an enrollment changes (ADR 0026).

Every change stores its updates and sends `NOTIFY enrollment_updates, '<id>'` in the same
transaction (repository.record_updates); each process keeps one PostgreSQL connection
listening and wakes the streams of that enrollment, in whichever process or replica they
are. A stream reads what is new from the table, so a notification lost while the
connection was down costs at most one heartbeat interval: each stream also looks again
whenever it sends a heartbeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import asyncpg

from enrollment.db.repository import UPDATES_CHANNEL

log = logging.getLogger("enrollment.db.live_updates")


class UpdatesHub:
    def __init__(self, database_url: str, *, max_streams: int) -> None:
        # asyncpg takes the libpq form of the SQLAlchemy URL.
        self.dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        self.max_streams = max_streams
        self.streams = 0
        self._waiters: dict[str, set[asyncio.Event]] = {}
        self.listening = asyncio.Event()

    @property
    def full(self) -> bool:
        return self.streams >= self.max_streams

    @contextlib.contextmanager
    def subscribe(self, enrollment_id: str) -> Iterator[asyncio.Event]:
        woken = asyncio.Event()
        self._waiters.setdefault(enrollment_id, set()).add(woken)
        self.streams += 1
        try:
            yield woken
        finally:
            self.streams -= 1
            waiting = self._waiters.get(enrollment_id)
            if waiting is not None:
                waiting.discard(woken)
                if not waiting:
                    del self._waiters[enrollment_id]

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        for woken in self._waiters.get(payload, ()):
            woken.set()

    def _wake_all(self) -> None:
        for waiting in self._waiters.values():
            for woken in waiting:
                woken.set()

    async def listen(self, *, backoff_s: float = 1.0) -> None:
        """Keep one listening connection, reconnecting while the database is away."""
        while True:
            try:
                conn = await asyncpg.connect(self.dsn)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("live updates cannot listen yet: %s", exc)
                await asyncio.sleep(backoff_s)
                continue
            closed = asyncio.Event()
            conn.add_termination_listener(_setter(closed))
            try:
                await conn.add_listener(UPDATES_CHANNEL, self._notified)
                self.listening.set()
                # Whatever changed while nobody listened is read now.
                self._wake_all()
                await closed.wait()
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("live updates listener lost: %s", exc)
            finally:
                self.listening.clear()
                with contextlib.suppress(Exception):
                    await conn.close(timeout=2)
            await asyncio.sleep(backoff_s)


def _setter(event: asyncio.Event) -> Callable[[object], None]:
    return lambda _conn: event.set()


def live_updates_task(hub: UpdatesHub) -> Callable[[object], AbstractAsyncContextManager[None]]:
    """A lifespan task (any app) that keeps the hub listening."""

    @asynccontextmanager
    async def task(_app: object) -> AsyncIterator[None]:
        runner = asyncio.create_task(hub.listen(), name="enrollment-live-updates")
        try:
            yield
        finally:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner

    return task
