"""The event flow of the last minutes: counts per topic, type and minute, and the latest events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from credmarket_infra.ops.reading import OpsRecord, read_existing
from credmarket_infra.ops.target import OpsTarget

UNDECODABLE = "(undecodable)"


@dataclass(frozen=True)
class FlowSummary:
    minutes: list[str]
    counts: dict[str, dict[str, dict[str, int]]]
    """topic -> event type -> minute (HH:MM, UTC) -> count"""
    recent: list[OpsRecord]

    def to_json(self) -> dict[str, Any]:
        return {
            "minutes": self.minutes,
            "counts": self.counts,
            "recent": [r.to_json() for r in self.recent],
        }


def _minute(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H:%M")


async def recent_flow(
    target: OpsTarget, minutes: int = 10, latest: int = 30, now: datetime | None = None
) -> FlowSummary:
    """Bucketed by when the broker received each record: that is when it flowed."""
    until = now or datetime.now(UTC)
    since = (until - timedelta(minutes=minutes - 1)).replace(second=0, microsecond=0)
    records = await read_existing(target.bootstrap, target.declared_topics(), start=since)
    labels = [_minute(since + timedelta(minutes=i)) for i in range(minutes)]
    counts: dict[str, dict[str, dict[str, int]]] = {}
    for r in records:
        per_type = counts.setdefault(target.unprefixed(r.topic), {})
        per_minute = per_type.setdefault(r.event_type or UNDECODABLE, {})
        label = _minute(r.broker_time)
        per_minute[label] = per_minute.get(label, 0) + 1
    newest = sorted(records, key=lambda r: (r.broker_time, r.topic, r.offset), reverse=True)
    return FlowSummary(labels, counts, newest[:latest])
