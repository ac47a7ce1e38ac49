"""Persist a transition and queue the events it caused, in the caller's unit of work."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from credmarket_events.base import EventData
from sqlalchemy.ext.asyncio import AsyncSession

from enrollment.actions import events
from enrollment.db import repository
from enrollment.domain.facts import Completed, Transition
from enrollment.domain.updates import updates_of


async def apply(
    session: AsyncSession,
    transition: Transition,
    *,
    now: datetime,
    emit: Callable[[EventData], Any],
) -> None:
    if transition.before is None:
        await repository.insert_new(session, transition.after, now)
    elif transition.changed:
        await repository.save(session, transition.after, now)
    achievement = None
    if any(isinstance(f, Completed) for f in transition.facts):
        e = transition.after
        achievement = await repository.load_achievement(session, e.offering_id, e.offering_version)
    for fact in transition.facts:
        emit(events.event_for(transition.after, fact, achievement))
    await repository.record_updates(
        session, transition.after.id, updates_of(transition.before, transition.after), now
    )
