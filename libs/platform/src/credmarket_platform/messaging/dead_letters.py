"""What a dead letter carries: the original record plus why and where it failed."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from credmarket_platform.messaging.metrics import EVENTS_DEAD_LETTERED

log = logging.getLogger("credmarket_platform.messaging.consumer")

H_ERROR = "dlq_error"
H_REASON = "dlq_reason"
H_GROUP = "dlq_group"
H_TOPIC = "dlq_source_topic"
H_PARTITION = "dlq_source_partition"
H_OFFSET = "dlq_source_offset"
H_ATTEMPTS = "dlq_attempts"
H_FAILED_AT = "dlq_failed_at"
DLQ_HEADERS = (H_ERROR, H_REASON, H_GROUP, H_TOPIC, H_PARTITION, H_OFFSET, H_ATTEMPTS, H_FAILED_AT)


def dead_letter_headers(
    original: list[tuple[str, bytes]],
    *,
    error: str,
    reason: str,
    group: str,
    topic: str,
    partition: int,
    offset: int,
    attempts: int,
) -> list[tuple[str, bytes]]:
    # Earlier dlq_* headers (a replayed letter failing again) are replaced, not stacked.
    kept = [(k, v) for k, v in original if k not in DLQ_HEADERS]
    return [
        *kept,
        (H_ERROR, error[:4000].encode()),
        (H_REASON, reason.encode()),
        (H_GROUP, group.encode()),
        (H_TOPIC, topic.encode()),
        (H_PARTITION, str(partition).encode()),
        (H_OFFSET, str(offset).encode()),
        (H_ATTEMPTS, str(attempts).encode()),
        (H_FAILED_AT, datetime.now(UTC).isoformat().encode()),
    ]


async def publish_dead_letter(
    producer: AIOKafkaProducer,
    topic: str,
    record: ConsumerRecord,
    *,
    group: str,
    reason: str,
    error: str,
    attempts: int,
    backoff_initial_s: float,
    backoff_max_s: float,
) -> None:
    """Publish ``record`` with why it failed to the group's dead-letter topic."""
    headers = dead_letter_headers(
        list(record.headers or []),
        error=error,
        reason=reason,
        group=group,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        attempts=attempts,
    )
    delay = backoff_initial_s
    while True:
        # A dead letter must not be lost: keep trying while the broker is away.
        try:
            await producer.send_and_wait(topic, record.value, key=record.key, headers=headers)
            break
        except Exception as exc:
            log.warning("dead-letter publish failed: %r; retrying", exc)
            await asyncio.sleep(delay)
            delay = min(backoff_max_s, delay * 2)
    log.warning(
        "dead-lettered %s[%d]@%d: %s", record.topic, record.partition, record.offset, reason
    )
    EVENTS_DEAD_LETTERED.labels(group, reason).inc()
