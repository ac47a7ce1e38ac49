"""Follow topics live, decoded, with filters; stops by itself after --max or --timeout."""

from __future__ import annotations

import asyncio
import fnmatch
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from credmarket_events.registry import unversioned

from credmarket_infra.ops.clients import admin_client, partitions_of, reader
from credmarket_infra.ops.reading import OpsRecord, StartAt, read_record, seek_to_start


@dataclass(frozen=True)
class EventFilter:
    """What an ops person is looking for; an empty filter lets everything through."""

    types: tuple[str, ...] = ()
    subject: str | None = None
    correlation_id: str | None = None

    def matches(self, record: OpsRecord) -> bool:
        if self.types and not any(_type_matches(record.event_type, t) for t in self.types):
            return False
        if self.subject is not None and record.subject != self.subject:
            return False
        return self.correlation_id is None or record.correlation_id == self.correlation_id


def _type_matches(actual: str | None, wanted: str) -> bool:
    """Exact type, the type whatever its major version, or a glob (``*.requested.*``)."""
    if actual is None:
        return False
    return actual == wanted or unversioned(actual) == wanted or fnmatch.fnmatchcase(actual, wanted)


async def tail(
    bootstrap: str,
    topics: list[str],
    *,
    start: StartAt = "now",
    event_filter: EventFilter | None = None,
    max_events: int | None = None,
    timeout_s: float | None = None,
    ready: asyncio.Event | None = None,
) -> AsyncIterator[OpsRecord]:
    """Yield matching records as they arrive.

    ``ready`` is set once every partition has its start position, so a caller
    (a test, the page) knows that anything produced afterwards will be seen.
    """
    chosen = event_filter or EventFilter()
    async with admin_client(bootstrap) as admin:
        partitions = await partitions_of(admin, topics)
    deadline = time.monotonic() + timeout_s if timeout_s is not None else None
    seen = 0
    if not partitions:
        if ready is not None:
            ready.set()
        return
    async with reader(bootstrap) as consumer:
        consumer.assign(partitions)
        await seek_to_start(consumer, partitions, start)
        for tp in partitions:
            # Resolve positions now rather than lazily on the first fetch.
            await consumer.position(tp)
        if ready is not None:
            ready.set()
        while max_events is None or seen < max_events:
            wait_ms = 500
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                wait_ms = max(1, min(wait_ms, int(remaining * 1000)))
            batch = await consumer.getmany(timeout_ms=wait_ms)
            records = sorted(
                (read_record(r) for rs in batch.values() for r in rs),
                key=lambda r: (r.broker_time, r.topic, r.partition, r.offset),
            )
            for record in records:
                if chosen.matches(record):
                    yield record
                    seen += 1
                    if max_events is not None and seen >= max_events:
                        return
