"""Kafka records as ops see them: decoded through the event library, or marked undecodable.

A record that is not a valid event is still shown (with the library's reason),
never skipped or fatal: those are exactly the records ops go looking for.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord
from credmarket_events.envelope import (
    H_CAUSATION,
    H_CORRELATION,
    H_ID,
    H_SUBJECT,
    H_TIME,
    H_TYPE,
    Envelope,
    decode,
    format_time,
    parse_time,
)
from credmarket_events.errors import InvalidEventError

from credmarket_infra.ops.clients import admin_client, partitions_of, reader

Headers = list[tuple[str, bytes]]


@dataclass(frozen=True)
class OpsRecord:
    topic: str
    partition: int
    offset: int
    broker_time: datetime
    key: bytes | None
    value: bytes | None
    headers: Headers
    envelope: Envelope[Any] | None
    problem: str | None

    @property
    def coordinates(self) -> str:
        return f"{self.topic}/{self.partition}/{self.offset}"

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k == name and v is not None:
                return v.decode("utf-8", "replace")
        return None

    @property
    def header_map(self) -> dict[str, str]:
        return {k: v.decode("utf-8", "replace") for k, v in self.headers if v is not None}

    # Undecodable records still usually carry their ce_* headers; fall back to
    # them so a broken event can be found by its id, type or correlation.
    @property
    def event_id(self) -> str | None:
        return self.envelope.id if self.envelope else self.header(H_ID)

    @property
    def event_type(self) -> str | None:
        return self.envelope.type if self.envelope else self.header(H_TYPE)

    @property
    def subject(self) -> str | None:
        return self.envelope.subject if self.envelope else self.header(H_SUBJECT)

    @property
    def correlation_id(self) -> str | None:
        if self.envelope:
            return self.envelope.correlation_id
        return self.header(H_CORRELATION) or self.header(H_ID)

    @property
    def causation_id(self) -> str | None:
        return self.envelope.causation_id if self.envelope else self.header(H_CAUSATION)

    @property
    def time(self) -> datetime:
        """When the event happened (ce_time), else when the broker got it."""
        if self.envelope:
            return self.envelope.time
        raw = self.header(H_TIME)
        if raw:
            try:
                return parse_time(raw)
            except InvalidEventError:
                pass
        return self.broker_time

    @property
    def enrollment_id(self) -> str | None:
        if self.envelope is None:
            return None
        value = getattr(self.envelope.data, "enrollment_id", None)
        return str(value) if value is not None else None

    def data_json(self) -> Any:
        if self.envelope is not None:
            return self.envelope.data.model_dump(mode="json")
        if self.value is None:
            return None
        return self.value.decode("utf-8", "replace")

    def to_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "broker_time": format_time(self.broker_time),
            "time": format_time(self.time),
            "key": self.key.decode("utf-8", "replace") if self.key is not None else None,
            "id": self.event_id,
            "type": self.event_type,
            "subject": self.subject,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "decoded": self.envelope is not None,
            "problem": self.problem,
            "data": self.data_json(),
        }


def read_record(record: ConsumerRecord) -> OpsRecord:
    headers: Headers = [(k, v) for k, v in (record.headers or []) if v is not None]
    envelope: Envelope[Any] | None = None
    problem: str | None = None
    try:
        envelope = decode(record.value, headers, record.key)
    except InvalidEventError as exc:
        problem = str(exc)
    return OpsRecord(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        broker_time=datetime.fromtimestamp(record.timestamp / 1000, UTC),
        key=record.key,
        value=record.value,
        headers=headers,
        envelope=envelope,
        problem=problem,
    )


StartAt = str | datetime
"""``"beginning"``, ``"now"`` or a moment (records at or after it)."""


def parse_start(text: str) -> StartAt:
    if text in ("beginning", "now"):
        return text
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--from takes now, beginning or an RFC 3339 time, not {text!r}") from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset; add Z or +hh:mm")
    return moment.astimezone(UTC)


async def seek_to_start(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], start: StartAt
) -> dict[TopicPartition, int]:
    """Position every partition at ``start``; returns the offsets chosen."""
    ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
    if start == "now":
        offsets = dict(ends)
    elif start == "beginning":
        offsets = dict(await consumer.beginning_offsets(partitions))
    else:
        assert isinstance(start, datetime)
        ms = int(start.timestamp() * 1000)
        found = await consumer.offsets_for_times({tp: ms for tp in partitions})
        # No record at or after the time: start at the end (nothing old to show).
        offsets = {tp: (found[tp].offset if found.get(tp) else ends[tp]) for tp in partitions}
    for tp, offset in offsets.items():
        consumer.seek(tp, offset)
    return offsets


async def read_records(
    bootstrap: str,
    topics: list[str],
    start: StartAt = "beginning",
    timeout_s: float = 30.0,
) -> list[ConsumerRecord[Any, Any]]:
    """Every record of ``topics`` from ``start`` up to their end when the call began, as the
    broker has it (undecoded). Topics that do not exist are left out.

    The one "read topics to the end" of the project: ops commands, the test library and
    the benchmarks all read through it. Bounded by the end offsets taken at the start, so
    it returns even while producers keep writing.
    """
    async with admin_client(bootstrap) as admin:
        partitions = await partitions_of(admin, topics)
    if not partitions:
        return []
    async with reader(bootstrap) as consumer:
        consumer.assign(partitions)
        starts = await seek_to_start(consumer, partitions, start)
        ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
        pending = {tp for tp in partitions if starts[tp] < ends[tp]}
        out: list[ConsumerRecord[Any, Any]] = []
        deadline = time.monotonic() + timeout_s
        while pending:
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {sorted(map(str, pending))} to their end")
            batch = await consumer.getmany(*pending, timeout_ms=500)
            for tp, records in batch.items():
                out.extend(r for r in records if r.offset < ends[tp])
            for tp in list(pending):
                # Transaction markers take offsets too, so compare positions, not counts.
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
            await asyncio.sleep(0)
        return out


async def read_existing(
    bootstrap: str,
    topics: list[str],
    start: StartAt = "beginning",
    timeout_s: float = 30.0,
) -> list[OpsRecord]:
    """Every record of ``topics`` from ``start`` up to their end, decoded for ops."""
    return [read_record(r) for r in await read_records(bootstrap, topics, start, timeout_s)]
