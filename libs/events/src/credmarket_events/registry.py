"""Which topic each event type goes to, who produces it and who consumes it.

Declared once here and used by producers, consumers, the local stack's topic
creation, the AsyncAPI document and the docs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from credmarket_events.base import EventData
from credmarket_events.topics import TopicSpec

# credmarket.<service>.<subject>.<action>.v<major>
TYPE_PATTERN = re.compile(r"^credmarket\.([a-z]+)\.([a-z_]+)\.([a-z_]+)\.v([1-9][0-9]*)\Z")


@dataclass(frozen=True)
class EventSpec:
    model: type[EventData]
    topic: TopicSpec
    producer: str
    consumers: tuple[str, ...]

    @property
    def type(self) -> str:
        return self.model.event_type

    @property
    def key_field(self) -> str:
        return self.model.key_field

    @property
    def unversioned_type(self) -> str:
        return unversioned(self.type)


_REGISTRY: dict[str, EventSpec] = {}


def register(
    model: type[EventData], topic: TopicSpec, producer: str, consumers: tuple[str, ...] = ()
) -> None:
    # Checked at import time so a malformed declaration never reaches a broker.
    match = TYPE_PATTERN.match(model.event_type)
    if match is None:
        raise ValueError(f"event type {model.event_type!r} is not credmarket.<svc>.<subj>.<act>.vN")
    if match.group(1) != producer:
        raise ValueError(f"{model.event_type} must be produced by {match.group(1)}, not {producer}")
    if model.key_field not in model.model_fields:
        raise ValueError(f"{model.__name__} has no key field {model.key_field!r}")
    if model.event_type in _REGISTRY:
        raise ValueError(f"event type {model.event_type} registered twice")
    _REGISTRY[model.event_type] = EventSpec(model, topic, producer, consumers)


def lookup(event_type: str) -> EventSpec | None:
    _load()
    return _REGISTRY.get(event_type)


def spec_for(event_type: str) -> EventSpec:
    spec = lookup(event_type)
    if spec is None:
        raise KeyError(f"unknown event type {event_type!r}")
    return spec


def all_specs() -> list[EventSpec]:
    _load()
    return sorted(_REGISTRY.values(), key=lambda s: s.type)


def unversioned(event_type: str) -> str:
    """The type without its ``.vN`` suffix: the same event across major versions."""
    return re.sub(r"\.v[0-9]+$", "", event_type)


def versions_of(event_type: str) -> list[str]:
    """The registered types that are some major version of ``event_type``."""
    base = unversioned(event_type)
    return [s.type for s in all_specs() if s.unversioned_type == base]


def _load() -> None:
    # Importing the event modules registers every event type.
    import credmarket_events.catalog
    import credmarket_events.enrollment
    import credmarket_events.issuance
    import credmarket_events.payments  # noqa: F401
