"""One purchase across all topics: its events in time order, who handled each, what failed.

"Handled by" is derived, not recorded anywhere: a group has handled an event
when its committed offset on the event's partition is past the event's offset
(the runner commits only after the handler's transaction), unless that group
dead-lettered it — then it moved past it without handling it (see ADR 0014).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from aiokafka import TopicPartition
from credmarket_events.envelope import format_time
from credmarket_events.registry import lookup

from credmarket_infra.ops.clients import admin_client
from credmarket_infra.ops.dlq import DeadLetter, dead_letter_topics
from credmarket_infra.ops.ledger import ledger_key, read_ledger
from credmarket_infra.ops.reading import OpsRecord, read_existing
from credmarket_infra.ops.target import OpsTarget, services_consuming_topic

HandledStatus = Literal["handled", "pending", "dead-lettered"]


@dataclass(frozen=True)
class GroupStatus:
    group: str
    status: HandledStatus
    committed: int | None

    def to_json(self) -> dict[str, Any]:
        return {"group": self.group, "status": self.status, "committed": self.committed}


@dataclass(frozen=True)
class Hop:
    record: OpsRecord
    since_previous: timedelta | None
    groups: list[GroupStatus]
    dead_letters: list[DeadLetter]

    def to_json(self) -> dict[str, Any]:
        return {
            **self.record.to_json(),
            "since_previous_ms": _ms(self.since_previous),
            "groups": [g.to_json() for g in self.groups],
            "dead_letters": [d.to_json() for d in self.dead_letters],
        }


@dataclass(frozen=True)
class Trace:
    query: str
    correlation_ids: list[str]
    hops: list[Hop] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)

    @property
    def duration(self) -> timedelta | None:
        if len(self.hops) < 2:
            return None
        return self.hops[-1].record.time - self.hops[0].record.time

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "correlation_ids": self.correlation_ids,
            "duration_ms": _ms(self.duration),
            "hops": [h.to_json() for h in self.hops],
            "dead_letters": [d.to_json() for d in self.dead_letters],
        }


def _ms(delta: timedelta | None) -> float | None:
    return round(delta.total_seconds() * 1000, 3) if delta is not None else None


def correlation_ids_for(query: str, records: list[OpsRecord]) -> list[str]:
    """A correlation id as is; an enrollment (or any aggregate or event) id -> its chains."""
    found: set[str] = set()
    for r in records:
        if r.correlation_id == query:
            found.add(query)
        elif query in (r.subject, r.enrollment_id, r.event_id) and r.correlation_id:
            found.add(r.correlation_id)
    return sorted(found)


def _consumer_groups(target: OpsTarget, record: OpsRecord) -> list[str]:
    spec = lookup(record.event_type) if record.event_type else None
    if spec is not None:
        services = list(spec.consumers)
    else:
        # Not a valid event: every group on the topic will meet it (and dead-letter it).
        services = services_consuming_topic(target.unprefixed(record.topic))
    return [target.group(s) for s in sorted(services)]


async def _committed_offsets(
    target: OpsTarget, groups: set[str]
) -> dict[str, dict[TopicPartition, int]]:
    out: dict[str, dict[TopicPartition, int]] = {}
    async with admin_client(target.bootstrap) as admin:
        for group in sorted(groups):
            offsets = await admin.list_consumer_group_offsets(group)
            out[group] = {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}
    return out


def _status(
    record: OpsRecord, group: str, committed: int | None, letters: list[DeadLetter]
) -> HandledStatus:
    if any(d.group == group for d in letters):
        return "dead-lettered"
    if committed is not None and committed > record.offset:
        return "handled"
    return "pending"


async def trace(target: OpsTarget, query: str) -> Trace:
    records = await read_existing(target.bootstrap, target.declared_topics())
    correlations = correlation_ids_for(query, records)
    chain = sorted(
        (r for r in records if r.correlation_id in correlations),
        key=lambda r: (r.time, r.broker_time, r.topic, r.offset),
    )
    ledger = await read_ledger(target)
    event_ids = {r.event_id for r in chain}
    letters = [
        DeadLetter(r, ledger.get(ledger_key(r.topic, r.partition, r.offset)))
        for r in await read_existing(target.bootstrap, await dead_letter_topics(target))
        if r.event_id in event_ids or (r.correlation_id and r.correlation_id in correlations)
    ]
    groups_per_record = {r.coordinates: _consumer_groups(target, r) for r in chain}
    committed = await _committed_offsets(
        target, {g for groups in groups_per_record.values() for g in groups}
    )
    hops: list[Hop] = []
    previous: datetime | None = None
    for record in chain:
        produced = [
            d
            for d in letters
            if (d.source_topic, d.source_partition, d.source_offset)
            == (record.topic, record.partition, record.offset)
        ]
        tp = TopicPartition(record.topic, record.partition)
        statuses = [
            GroupStatus(g, _status(record, g, committed[g].get(tp), produced), committed[g].get(tp))
            for g in groups_per_record[record.coordinates]
        ]
        hops.append(Hop(record, record.time - previous if previous else None, statuses, produced))
        previous = record.time
    return Trace(query, correlations, hops, letters)


def describe_since(delta: timedelta | None) -> str:
    if delta is None:
        return "start"
    seconds = delta.total_seconds()
    if abs(seconds) < 1:
        return f"+{seconds * 1000:.0f} ms"
    return f"+{seconds:.2f} s"


def describe_time(moment: datetime) -> str:
    return format_time(moment)
