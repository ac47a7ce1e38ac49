"""Prometheus metrics of webhook delivery (default registry, one set per process)."""

from prometheus_client import Counter, Gauge, Histogram

WEBHOOK_ATTEMPTS = Counter(
    "credmarket_webhook_attempts_total",
    "Delivery attempts, by outcome (delivered, failed, refused)",
    ["outcome"],
)
WEBHOOK_EVENT_TO_DELIVERY = Histogram(
    "credmarket_webhook_event_to_delivery_seconds",
    "From an event's time to its first successful delivery to an endpoint",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0),
)
WEBHOOK_BACKLOG = Gauge("credmarket_webhook_backlog", "Messages not yet delivered (pending)")
WEBHOOK_FAILING_ENDPOINTS = Gauge(
    "credmarket_webhook_failing_endpoints", "Enabled endpoints whose last attempt failed"
)
WEBHOOK_ENDPOINTS_DISABLED = Counter(
    "credmarket_webhook_endpoints_disabled_total",
    "Endpoints disabled because they failed for the whole retry window",
)
