"""The topics of the marketplace: one per aggregate, declared once."""

from __future__ import annotations

from dataclasses import dataclass

DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True)
class TopicSpec:
    """How a topic is created: used by the local stack, Compose, and the docs."""

    name: str
    description: str
    partitions: int = 6
    retention_ms: int = 30 * DAY_MS
    cleanup_policy: str = "delete"
    replication_factor: int = 1

    def config(self) -> dict[str, str]:
        return {"retention.ms": str(self.retention_ms), "cleanup.policy": self.cleanup_policy}


CATALOG_PROVIDERS = TopicSpec("catalog.providers", "Provider lifecycle, keyed by provider id.")
CATALOG_OFFERINGS = TopicSpec("catalog.offerings", "Offering lifecycle, keyed by offering id.")
ENROLLMENTS = TopicSpec("enrollment.enrollments", "Enrollment lifecycle, keyed by enrollment id.")
PAYMENTS = TopicSpec("payments.payments", "Payment lifecycle, keyed by payment id.")
CREDENTIALS = TopicSpec("issuance.credentials", "Credential lifecycle, keyed by credential id.")

TOPICS: tuple[TopicSpec, ...] = (
    CATALOG_PROVIDERS,
    CATALOG_OFFERINGS,
    ENROLLMENTS,
    PAYMENTS,
    CREDENTIALS,
)


def dead_letter_topic(consumer_group: str) -> str:
    """Each consumer group has its own dead-letter topic."""
    return f"{consumer_group}.dlq"
