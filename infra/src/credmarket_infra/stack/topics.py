"""Create the marketplace's topics from their one declaration in credmarket_events.topics."""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from credmarket_events.topics import TOPICS, TopicSpec


def new_topic(spec: TopicSpec, prefix: str = "", partitions: int | None = None) -> NewTopic:
    return NewTopic(
        name=prefix + spec.name,
        num_partitions=partitions if partitions is not None else spec.partitions,
        replication_factor=spec.replication_factor,
        topic_configs=spec.config(),
    )


async def ensure_topics(bootstrap: str, specs: Iterable[TopicSpec] = TOPICS) -> list[str]:
    """Create the missing topics; existing ones are left as they are. Returns the created names."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=30000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [new_topic(spec) for spec in specs if spec.name not in existing]
        if missing:
            await admin.create_topics(missing)
        return [topic.name for topic in missing]
    finally:
        await admin.close()
