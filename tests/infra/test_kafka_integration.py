"""The broker is real: idempotent, acknowledged writes, and a group that shares the partitions."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from credmarket_events.topics import CATALOG_OFFERINGS
from credmarket_testing.kafka import consume_all, create_topics, delete_topics, read_topics
from credmarket_testing.wait import wait_until

pytestmark = pytest.mark.integration

MESSAGES = 60


async def produce(bootstrap: str, topic: str, count: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for n in range(count):
            await producer.send_and_wait(topic, key=f"key-{n}".encode(), value=f"{n}".encode())
    finally:
        await producer.stop()


async def test_idempotent_producer_writes_are_read_back(
    kafka_bootstrap: str, unique_id: str
) -> None:
    topic = f"{unique_id}.roundtrip"
    await create_topics(kafka_bootstrap, [topic], partitions=2)

    try:
        await produce(kafka_bootstrap, topic, 10)
        records = await consume_all(kafka_bootstrap, topic, count=10, timeout=30)
    finally:
        await delete_topics(kafka_bootstrap, [topic])

    assert sorted(int(r.value) for r in records) == list(range(10))


async def test_reading_topics_to_the_end_gives_each_record_once_and_names_a_missing_topic(
    kafka_bootstrap: str, unique_id: str
) -> None:
    topics = [f"{unique_id}.first", f"{unique_id}.second"]
    await create_topics(kafka_bootstrap, topics, partitions=3)
    try:
        await produce(kafka_bootstrap, topics[0], 7)
        await produce(kafka_bootstrap, topics[1], 5)
        records = await read_topics(kafka_bootstrap, topics)
        # Read again, named in the other order: the same records, none twice.
        again = await read_topics(kafka_bootstrap, [topics[1], topics[0]])
        with pytest.raises(AssertionError, match="no such topics"):
            await read_topics(kafka_bootstrap, [f"{unique_id}.missing"], within_s=0.5)
    finally:
        await delete_topics(kafka_bootstrap, topics)

    assert sorted((r.topic, int(r.value)) for r in records) == sorted(
        [(topics[0], n) for n in range(7)] + [(topics[1], n) for n in range(5)]
    )
    assert sorted((r.topic, r.offset, r.partition) for r in again) == sorted(
        (r.topic, r.offset, r.partition) for r in records
    )


async def test_two_group_members_share_partitions_and_see_each_message_once(
    kafka_bootstrap: str, topic_prefix: str, unique_id: str
) -> None:
    topic = topic_prefix + CATALOG_OFFERINGS.name
    members = [
        AIOKafkaConsumer(
            topic,
            bootstrap_servers=kafka_bootstrap,
            group_id=unique_id,
            auto_offset_reset="earliest",
        )
        for _ in range(2)
    ]
    received: list[list[Any]] = [[], []]

    async def poll(index: int) -> None:
        while True:
            batches = await members[index].getmany(timeout_ms=200)
            for batch in batches.values():
                received[index].extend(batch)

    for member in members:
        await member.start()
    pollers = [asyncio.create_task(poll(i)) for i in range(2)]
    try:
        partitions = members[0].partitions_for_topic(topic) or set()
        expected = {TopicPartition(topic, p) for p in partitions}
        await wait_until(
            lambda: (
                all(m.assignment() for m in members)
                and members[0].assignment() | members[1].assignment() == expected
                and not members[0].assignment() & members[1].assignment()
            ),
            timeout=30,
            message="the two members never split the partitions between them",
        )

        await produce(kafka_bootstrap, topic, MESSAGES)
        await wait_until(
            lambda: len(received[0]) + len(received[1]) >= MESSAGES,
            timeout=30,
            message="not every message was consumed",
        )
        assignments = [{tp.partition for tp in m.assignment()} for m in members]
    finally:
        for task in pollers:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for member in members:
            await member.stop()

    values = [int(r.value) for r in received[0] + received[1]]
    assert sorted(values) == list(range(MESSAGES))  # all of them, none twice
    for index, member_records in enumerate(received):
        assert {r.partition for r in member_records} <= assignments[index]
