"""Kafka helpers for tests: topics that exist before a test runs, and reading a topic back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aiokafka import ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from credmarket_infra.ops.reading import read_records

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


async def _all_exist(bootstrap: str, names: list[str]) -> bool:
    admin = await _admin(bootstrap)
    try:
        return set(names) <= set(await admin.list_topics())
    finally:
        await admin.close()


async def read_topics(
    bootstrap: str, topics: list[str], within_s: float = 20.0
) -> list[ConsumerRecord[Any, Any]]:
    """Every record now in these topics, from their start to their current end.

    A test names topics it expects, so one that does not exist (yet) is waited for and then
    a failure, where ops' reader (which this reads through) would quietly skip it.
    """
    await wait_until(
        lambda: _all_exist(bootstrap, topics),
        timeout=within_s,
        interval=0.2,
        message=f"no such topics: {topics}",
    )
    return await read_records(bootstrap, topics, timeout_s=within_s)


async def consume_all(
    bootstrap: str,
    topic: str,
    count: int,
    timeout: float = 30.0,  # noqa: ASYNC109 - the contract is a plain number of seconds
) -> list[ConsumerRecord[Any, Any]]:
    """At least `count` records from the start of `topic`: waits until that many are there."""
    records: list[ConsumerRecord[Any, Any]] = []

    async def enough() -> bool:
        nonlocal records
        records = await read_topics(bootstrap, [topic], within_s=timeout)
        return len(records) >= count

    await wait_until(
        enough,
        timeout=timeout,
        interval=0.2,
        message=f"{topic}: fewer than {count} records",
    )
    return records
