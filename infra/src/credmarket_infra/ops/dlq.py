"""Dead letters: find them, read them whole, and pick the ones to replay."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from aiokafka import TopicPartition
from credmarket_platform.messaging.dead_letters import (
    DLQ_HEADERS,
    H_ATTEMPTS,
    H_ERROR,
    H_FAILED_AT,
    H_GROUP,
    H_OFFSET,
    H_PARTITION,
    H_REASON,
    H_TOPIC,
)

from credmarket_infra.ops.clients import admin_client, reader
from credmarket_infra.ops.ledger import ReplayEntry, ledger_key, read_ledger
from credmarket_infra.ops.reading import Headers, OpsRecord, read_existing, read_record
from credmarket_infra.ops.target import OpsTarget

REPLAY_HEADERS = ("replayed_from", "replayed_at")


@dataclass(frozen=True)
class DeadLetter:
    record: OpsRecord
    replay: ReplayEntry | None = None

    def _int(self, name: str) -> int | None:
        raw = self.record.header(name)
        try:
            return int(raw) if raw is not None else None
        except ValueError:
            return None

    @property
    def key(self) -> str:
        return ledger_key(self.record.topic, self.record.partition, self.record.offset)

    @property
    def reason(self) -> str:
        return self.record.header(H_REASON) or "unknown"

    @property
    def error(self) -> str:
        return self.record.header(H_ERROR) or ""

    @property
    def group(self) -> str | None:
        return self.record.header(H_GROUP)

    @property
    def source_topic(self) -> str | None:
        return self.record.header(H_TOPIC)

    @property
    def source_partition(self) -> int | None:
        return self._int(H_PARTITION)

    @property
    def source_offset(self) -> int | None:
        return self._int(H_OFFSET)

    @property
    def origin(self) -> str:
        return f"{self.source_topic}/{self.source_partition}/{self.source_offset}"

    @property
    def attempts(self) -> int | None:
        return self._int(H_ATTEMPTS)

    @property
    def failed_at(self) -> str | None:
        return self.record.header(H_FAILED_AT)

    def original_headers(self) -> Headers:
        """The headers the failed record had: no dlq_* and no earlier replay marks."""
        dropped = set(DLQ_HEADERS) | set(REPLAY_HEADERS)
        return [(k, v) for k, v in self.record.headers if k not in dropped]

    def to_json(self, *, full: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "dlq_topic": self.record.topic,
            "partition": self.record.partition,
            "offset": self.record.offset,
            "key": self.key,
            "reason": self.reason,
            "error": self.error,
            "group": self.group,
            "origin": {
                "topic": self.source_topic,
                "partition": self.source_partition,
                "offset": self.source_offset,
            },
            "attempts": self.attempts,
            "failed_at": self.failed_at,
            "id": self.record.event_id,
            "type": self.record.event_type,
            "subject": self.record.subject,
            "correlation_id": self.record.correlation_id,
            "replayed": self.replay.to_json() if self.replay else None,
        }
        if full:
            out["headers"] = self.record.header_map
            out["decoded"] = self.record.envelope is not None
            out["problem"] = self.record.problem
            out["data"] = self.record.data_json()
        return out


async def dead_letter_topics(target: OpsTarget) -> list[str]:
    async with admin_client(target.bootstrap) as admin:
        names = await admin.list_topics()
    return sorted(t for t in names if target.is_dead_letter_topic(t))


async def list_dead_letters(target: OpsTarget, group: str | None = None) -> list[DeadLetter]:
    """Every dead letter in the namespace (or of one group), with its replay if any."""
    topics = await dead_letter_topics(target)
    if group is not None:
        wanted = {f"{group}.dlq", f"{target.group(group)}.dlq"}
        topics = [t for t in topics if t in wanted]
    records = await read_existing(target.bootstrap, topics)
    ledger = await read_ledger(target)
    letters = [
        DeadLetter(r, ledger.get(ledger_key(r.topic, r.partition, r.offset))) for r in records
    ]
    return sorted(letters, key=lambda d: (d.record.broker_time, d.record.topic, d.record.offset))


async def find_dead_letter(
    target: OpsTarget, topic: str, partition: int, offset: int, timeout_s: float = 10.0
) -> DeadLetter | None:
    """The dead letter at those coordinates (topic given with or without the prefix)."""
    async with admin_client(target.bootstrap) as admin:
        existing = set(await admin.list_topics())
    name = target.resolve_topic(topic)
    if name not in existing:
        return None
    tp = TopicPartition(name, partition)
    async with reader(target.bootstrap) as consumer:
        consumer.assign([tp])
        begin = (await consumer.beginning_offsets([tp]))[tp]
        end = (await consumer.end_offsets([tp]))[tp]
        if not begin <= offset < end:
            return None
        consumer.seek(tp, offset)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            batch = await consumer.getmany(tp, timeout_ms=500, max_records=1)
            for record in batch.get(tp, []):
                if record.offset != offset:
                    return None  # compacted or a transaction marker: nothing there
                ledger = await read_ledger(target)
                return DeadLetter(
                    read_record(record), ledger.get(ledger_key(name, partition, offset))
                )
    return None


def select_dead_letters(
    letters: list[DeadLetter], *, reason: str | None = None, event_type: str | None = None
) -> list[DeadLetter]:
    return [
        d
        for d in letters
        if (reason is None or d.reason == reason)
        and (event_type is None or d.record.event_type == event_type)
    ]
