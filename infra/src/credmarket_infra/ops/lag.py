"""Consumer lag: how far each group is behind, per topic and partition, and in total,
and which partitions are stuck (their next record keeps failing: the consumer says so
in the metadata of the offset it commits, credmarket_platform.messaging.stuck)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiokafka import TopicPartition
from credmarket_platform.messaging.stuck import read_note

from credmarket_infra.ops.clients import admin_client, offset_bounds, partitions_of, reader
from credmarket_infra.ops.target import OpsTarget, consuming_services, topics_consumed_by


@dataclass(frozen=True)
class PartitionLag:
    group: str
    topic: str
    partition: int
    committed: int | None
    end: int
    lag: int
    # The consumer's note while the partition's next record keeps failing: stuck_since,
    # attempts, failure (transient or unknown), event_type, event_id, error.
    stuck: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "topic": self.topic,
            "partition": self.partition,
            "committed": self.committed,
            "end": self.end,
            "lag": self.lag,
            "stuck": self.stuck,
        }


@dataclass(frozen=True)
class LagReport:
    partitions: list[PartitionLag] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(p.lag for p in self.partitions)

    def per_group(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for p in self.partitions:
            totals[p.group] = totals.get(p.group, 0) + p.lag
        return totals

    @property
    def stuck(self) -> list[PartitionLag]:
        return [p for p in self.partitions if p.stuck is not None]

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "groups": self.per_group(),
            "stuck": len(self.stuck),
            "partitions": [p.to_json() for p in self.partitions],
        }


def _in_scope(target: OpsTarget, group: str, wanted: str | None) -> bool:
    if wanted is not None:
        return group in (wanted, target.group(wanted))
    return group.startswith(target.prefix)


async def consumer_lag(target: OpsTarget, group: str | None = None) -> LagReport:
    """Lag = end offset - committed offset.

    A service's group that has not committed on a partition of a topic it
    consumes counts the whole partition (it starts from the earliest record):
    a group stuck before its first commit must not look healthy.
    """
    async with admin_client(target.bootstrap) as admin:
        listed = [g for g, *_ in await admin.list_consumer_groups()]
        groups = sorted({g for g in listed if _in_scope(target, g, group)})
        committed: dict[str, dict[TopicPartition, int]] = {}
        notes: dict[str, dict[TopicPartition, dict[str, Any]]] = {}
        expected: dict[str, list[TopicPartition]] = {}
        services = {target.group(s): s for s in consuming_services()}
        for g in groups:
            offsets = await admin.list_consumer_group_offsets(g)
            committed[g] = {tp: m.offset for tp, m in offsets.items() if m.offset >= 0}
            notes[g] = {
                tp: note for tp, m in offsets.items() if (note := read_note(m.metadata)) is not None
            }
            service = services.get(g)
            declared = [target.topic(t) for t in topics_consumed_by(service)] if service else []
            expected[g] = sorted(
                set(committed[g]) | set(await partitions_of(admin, declared)),
                key=lambda tp: (tp.topic, tp.partition),
            )
    every = sorted(
        {tp for tps in expected.values() for tp in tps}, key=lambda tp: (tp.topic, tp.partition)
    )
    if not every:
        return LagReport()
    async with reader(target.bootstrap) as consumer:
        begins, ends = await offset_bounds(consumer, every)
    rows: list[PartitionLag] = []
    for g in groups:
        for tp in expected[g]:
            if tp not in ends:
                continue  # topic deleted meanwhile
            at = committed[g].get(tp)
            start = at if at is not None else begins[tp]
            rows.append(
                PartitionLag(
                    g,
                    tp.topic,
                    tp.partition,
                    at,
                    ends[tp],
                    max(0, ends[tp] - start),
                    notes[g].get(tp),
                )
            )
    return LagReport(rows)
