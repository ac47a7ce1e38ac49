"""Short-lived Kafka clients: ops commands read, they never join a consumer group."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError


@contextlib.asynccontextmanager
async def admin_client(bootstrap: str) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        yield admin
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def reader(bootstrap: str) -> AsyncIterator[AIOKafkaConsumer]:
    """A group-less consumer: it commits nothing, so looking never changes anyone's lag."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        # Replays are written transactionally; an aborted one must not show up.
        isolation_level="read_committed",
        request_timeout_ms=10000,
    )
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


async def partitions_of(admin: AIOKafkaAdminClient, topics: Iterable[str]) -> list[TopicPartition]:
    """The partitions of those of ``topics`` that exist (missing ones are simply absent)."""
    wanted = sorted(set(topics))
    if not wanted:
        return []
    existing = set(await admin.list_topics())
    present = [t for t in wanted if t in existing]
    if not present:
        return []
    found: list[TopicPartition] = []
    for described in await admin.describe_topics(present):
        if described["error_code"] != 0:
            continue
        found.extend(
            TopicPartition(described["topic"], p["partition"])
            for p in sorted(described["partitions"], key=lambda p: p["partition"])
        )
    return found


async def offset_bounds(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition]
) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int]]:
    """Beginning and end offsets; partitions of topics that vanish meanwhile are left out."""
    try:
        return (
            await consumer.beginning_offsets(partitions),
            await consumer.end_offsets(partitions),
        )
    except KafkaError:
        pass
    # One deleted topic fails the batched request as a whole: ask topic by topic.
    begins: dict[TopicPartition, int] = {}
    ends: dict[TopicPartition, int] = {}
    for topic in sorted({tp.topic for tp in partitions}):
        tps = [tp for tp in partitions if tp.topic == topic]
        try:
            begins.update(await consumer.beginning_offsets(tps))
            ends.update(await consumer.end_offsets(tps))
        except KafkaError:
            continue
    return begins, ends
