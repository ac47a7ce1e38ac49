"""Kafka helpers for tests: topics that exist before a test runs, and reading a topic back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from credmarket_testing.wait import wait_until


async def _admin(bootstrap: str) -> AIOKafkaAdminClient:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=30000)
    await admin.start()
    return admin


async def _all_leaders_elected(admin: AIOKafkaAdminClient, names: list[str]) -> bool:
    described = await admin.describe_topics(names)
    if len(described) != len(names):
        return False
    for topic in described:
        if topic["error_code"] != 0 or not topic["partitions"]:
            return False
        if any(p["error_code"] != 0 or p["leader"] < 0 for p in topic["partitions"]):
            return False
    return True


async def create_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int = 3,
    configs: Mapping[str, Mapping[str, str]] | None = None,
) -> None:
    """Create topics and return once every partition has a leader (ready to produce to)."""
    wanted = list(names)
    configs = configs or {}
    admin = await _admin(bootstrap)
    try:
        existing = set(await admin.list_topics())
        new = [
            NewTopic(
                name=name,
                num_partitions=partitions,
                replication_factor=1,
                topic_configs=dict(configs.get(name, {})),
            )
            for name in wanted
            if name not in existing
        ]
        if new:
            await admin.create_topics(new)
        await wait_until(
            lambda: _all_leaders_elected(admin, wanted),
            timeout=30.0,
            interval=0.1,
            message=f"topics {wanted} have no leaders",
        )
    finally:
        await admin.close()


async def delete_topics(bootstrap: str, names: Iterable[str]) -> None:
    wanted = list(names)
    admin = await _admin(bootstrap)
    try:
        existing = set(await admin.list_topics())
        present = [name for name in wanted if name in existing]
        if present:
            await admin.delete_topics(present)
    finally:
        await admin.close()


async def consume_all(
    bootstrap: str,
    topic: str,
    count: int,
    timeout: float = 30.0,  # noqa: ASYNC109 - the contract is a plain number of seconds
) -> list[ConsumerRecord[Any, Any]]:
    """Read `count` records from the start of `topic` with a fresh, group-less consumer."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[ConsumerRecord[Any, Any]] = []
    deadline = time.monotonic() + timeout
    try:
        while len(records) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"{topic}: got {len(records)} of {count} records within {timeout:.1f}s"
                )
            batches = await consumer.getmany(timeout_ms=int(min(remaining, 1.0) * 1000))
            for batch in batches.values():
                records.extend(batch)
        return records
    finally:
        await asyncio.shield(consumer.stop())
