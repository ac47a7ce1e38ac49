"""Scheduled work: cancel enrollments whose payment deadline passed, and forget live
status updates older than their retention (ADR 0026).

Safe with several replicas: each batch locks its rows with FOR UPDATE SKIP LOCKED,
so two sweeps never take the same enrollment, and a payment handler holding an
enrollment's row lock makes the sweep skip it this round (the handler wins).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from credmarket_events.envelope import Envelope
from credmarket_platform.db.database import Database
from credmarket_platform.periodic import periodic_task

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


async def sweep_once(db: Database, *, batch_size: int, keep_updates: timedelta) -> None:
    """Every overdue enrollment and every expired update, batch by batch."""
    while await cancel_overdue(db, batch_size=batch_size) >= batch_size:
        pass
    while await forget_old_updates(db, keep=keep_updates):
        pass


def sweep_task(
    db: Database, *, interval_s: float, batch_size: int, keep_updates: timedelta
) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """A lifespan task running the sweep in the background."""
    work = partial(sweep_once, db, batch_size=batch_size, keep_updates=keep_updates)
    return periodic_task("enrollment-deadline-sweep", work, interval_s=interval_s)
