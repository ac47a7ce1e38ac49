"""Which broker and which topic namespace an ops command looks at.

Tests run every service under a per-test topic prefix (topics *and* consumer
groups are prefixed, see ServiceSettings.topic/group), so every name the tools
derive goes through one OpsTarget.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from credmarket_events.registry import all_specs
from credmarket_events.topics import TOPICS, dead_letter_topic

BOOTSTRAP_ENV = "CREDMARKET_KAFKA_BOOTSTRAP"
FALLBACK_BOOTSTRAP = "127.0.0.1:19092"
LEDGER_TOPIC = "ops.dlq-replays"


def _stack_env_bootstrap(start: Path) -> str | None:
    for folder in (start, *start.parents):
        env_file = folder / ".stack" / "stack.env"
        if env_file.is_file():
            for line in env_file.read_text().splitlines():
                key, sep, value = line.partition("=")
                if sep and key.strip() == BOOTSTRAP_ENV and value.strip():
                    return value.strip()
    return None


def resolve_bootstrap(explicit: str | None = None) -> str:
    """The flag, else $CREDMARKET_KAFKA_BOOTSTRAP, else the local stack's .stack/stack.env."""
    if explicit:
        return explicit
    from_env = os.environ.get(BOOTSTRAP_ENV)
    if from_env:
        return from_env
    return _stack_env_bootstrap(Path.cwd().resolve()) or FALLBACK_BOOTSTRAP


@dataclass(frozen=True)
class OpsTarget:
    bootstrap: str
    prefix: str = ""

    def topic(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def resolve_topic(self, name: str) -> str:
        """A topic named by a person: with or without this target's prefix."""
        return name if name.startswith(self.prefix) else self.topic(name)

    def unprefixed(self, topic: str) -> str:
        return topic[len(self.prefix) :] if self.prefix and topic.startswith(self.prefix) else topic

    def group(self, service: str) -> str:
        return f"{self.prefix}{service}"

    def declared_topics(self) -> list[str]:
        return [self.topic(spec.name) for spec in TOPICS]

    @property
    def ledger_topic(self) -> str:
        return self.topic(LEDGER_TOPIC)

    def is_dead_letter_topic(self, topic: str) -> bool:
        # `<prefix><group>.dlq` where the group has no dots: with no prefix this
        # keeps other namespaces' (tests', benchmarks') dead letters out of view.
        if not topic.startswith(self.prefix) or not topic.endswith(".dlq"):
            return False
        group = topic[len(self.prefix) : -len(".dlq")]
        return bool(group) and "." not in group

    def service_dead_letter_topics(self) -> list[str]:
        return [dead_letter_topic(self.group(s)) for s in consuming_services()]

    def in_namespace(self, topic: str) -> bool:
        """Topics of this prefix: declared, dead letters, the ledger, or another
        undotted/one-dot name; deeper names belong to other prefixes (tests)."""
        if topic.startswith("__") or not topic.startswith(self.prefix):
            return False
        name = topic[len(self.prefix) :]
        return (
            self.topic(name) in self.declared_topics()
            or name == LEDGER_TOPIC
            or self.is_dead_letter_topic(topic)
            or name.count(".") <= 1
        )


def consuming_services() -> list[str]:
    return sorted({c for spec in all_specs() for c in spec.consumers})


def services_consuming_topic(topic_name: str) -> list[str]:
    """Services whose consumer group subscribes to a (declared, unprefixed) topic."""
    return sorted(
        {c for spec in all_specs() if spec.topic.name == topic_name for c in spec.consumers}
    )


def topics_consumed_by(service: str) -> list[str]:
    return sorted({spec.topic.name for spec in all_specs() if service in spec.consumers})
