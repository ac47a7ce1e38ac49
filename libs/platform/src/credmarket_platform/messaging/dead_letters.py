"""What a dead letter carries: the original record plus why and where it failed."""

from __future__ import annotations

from datetime import UTC, datetime

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
