"""Prometheus metrics of the messaging plumbing (default registry)."""

from prometheus_client import Counter, Gauge, Histogram

EVENTS_PUBLISHED = Counter(
    "credmarket_events_published_total", "Events published by the outbox relay", ["event_type"]
)
EVENTS_CONSUMED = Counter(
    "credmarket_events_consumed_total",
    "Events consumed, by outcome (handled, duplicate, skipped)",
    ["group", "event_type", "outcome"],
)
EVENTS_FAILED = Counter(
    "credmarket_events_failed_total", "Handler attempts that raised", ["group", "event_type"]
)
EVENTS_DEAD_LETTERED = Counter(
    "credmarket_events_dead_lettered_total",
    "Events sent to a dead-letter topic",
    ["group", "reason"],
)
HANDLER_LATENCY = Histogram(
    "credmarket_handler_seconds",
    "Handler transaction latency (inbox + handler + outbox, committed)",
    ["group", "event_type"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
OUTBOX_BACKLOG = Gauge("credmarket_outbox_backlog", "Outbox rows not yet published", ["service"])
RELAY_LATENCY = Histogram(
    "credmarket_outbox_commit_to_publish_seconds",
    "Time from the outbox row's commit to its acknowledgement by the broker",
    ["service"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
# A partition whose next record keeps failing (a transient failure retried for as long
# as it lasts, or an unknown one within its attempts): its lag grows while the others
# flow. 1 while stuck, 0 once the record is settled; the alert fires on it (alerts.yml).
PARTITION_STUCK = Gauge(
    "credmarket_consumer_partition_stuck",
    "1 while the partition's next record is being retried after a failure, else 0",
    ["group", "topic", "partition"],
)
PARTITION_STUCK_SINCE = Gauge(
    "credmarket_consumer_partition_stuck_since_seconds",
    "Unix time the partition's next record first failed (0: not stuck)",
    ["group", "topic", "partition"],
)
