"""Prometheus metrics of the search read model (default registry, one set per process)."""

from prometheus_client import Counter, Gauge, Histogram

SEARCH_DOCUMENTS = Gauge("credmarket_search_documents", "Offerings in this process's index")
SEARCH_READY = Gauge("credmarket_search_ready", "1 once the index has caught up, else 0")
SEARCH_EVENTS_APPLIED = Counter(
    "credmarket_search_events_applied_total", "Catalog events applied to the index", ["topic"]
)
SEARCH_APPLY_LAG = Histogram(
    "credmarket_search_event_to_searchable_seconds",
    "From an event's publication (its Kafka timestamp) to the commit that makes it searchable",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
