"""Scheduled work: cancel enrollments whose payment deadline passed, and forget live
status updates older than their retention (ADR 0026).

Safe with several replicas: each batch locks its rows with FOR UPDATE SKIP LOCKED,
so two sweeps never take the same enrollment, and a payment handler holding an
enrollment's row lock makes the sweep skip it this round (the handler wins).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from credmarket_events.envelope import Envelope
from credmarket_platform.db.database import Database

from enrollment.actions import changes
from enrollment.db import repository
from enrollment.domain import lifecycle

log = logging.getLogger("enrollment.sweeps")
SOURCE = "/enrollment"


async def cancel_overdue(
    db: Database, *, now: datetime | None = None, batch_size: int = 100
) -> int:
    """Cancel one batch of overdue enrollments; returns how many were cancelled."""
    now = now or datetime.now(UTC)
    async with db.unit_of_work() as uow:
        overdue = await repository.claim_overdue(uow.session, now, batch_size)
        for e in overdue:
            await changes.apply(
                uow.session,
                lifecycle.expire(e, now=now),
                now=now,
                emit=lambda data: uow.emit(Envelope(data=data, source=SOURCE)),
            )
        await uow.commit()
    if overdue:
        log.info("cancelled %d enrollment(s) past their payment deadline", len(overdue))
    return len(overdue)


async def forget_old_updates(
    db: Database, *, keep: timedelta, now: datetime | None = None, batch_size: int = 1000
) -> int:
    """One batch of the live status stream's history past its retention.

    A stream replays from the enrollment's first update; after ``keep`` nobody resumes
    that far back, and the enrollment itself still says where it stands.
    """
    cutoff = (now or datetime.now(UTC)) - keep
    async with db.unit_of_work() as uow:
        gone = await repository.forget_updates_before(uow.session, cutoff, batch_size)
        await uow.commit()
    return gone


async def sweep_forever(
    db: Database,
    *,
    interval_s: float,
    batch_size: int,
    keep_updates: timedelta,
    clock: Callable[[], datetime] | None = None,
) -> None:
    while True:
        try:
            while (
                await cancel_overdue(db, now=clock() if clock else None, batch_size=batch_size)
                >= batch_size
            ):
                pass
            while await forget_old_updates(db, keep=keep_updates, now=clock() if clock else None):
                pass
        except Exception as exc:  # the database may be away for a while
            log.warning("deadline sweep failed: %r; retrying", exc)
        await asyncio.sleep(interval_s)


def sweep_task(db: Database, *, interval_s: float, batch_size: int, keep_updates: timedelta) -> Any:
    """A lifespan task running the sweep in the background."""

    @contextlib.asynccontextmanager
    async def task(_app: Any) -> AsyncIterator[None]:
        runner = asyncio.create_task(
            sweep_forever(
                db, interval_s=interval_s, batch_size=batch_size, keep_updates=keep_updates
            ),
            name="enrollment-deadline-sweep",
        )
        try:
            yield
        finally:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner

    return task
