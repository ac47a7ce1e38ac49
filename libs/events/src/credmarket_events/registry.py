"""Which topic each event type goes to, who produces it and who consumes it.

Declared once here and used by producers, consumers, the local stack's topic
creation, the AsyncAPI document and the docs.
"""

from __future__ import annotations

from dataclasses import dataclass

from credmarket_events.base import EventData
from credmarket_events.topics import TopicSpec


@dataclass(frozen=True)
class EventSpec:
    model: type[EventData]
    topic: TopicSpec
    producer: str
    consumers: tuple[str, ...]

    @property
    def type(self) -> str:
        return self.model.event_type


_REGISTRY: dict[str, EventSpec] = {}


def register(
    model: type[EventData], topic: TopicSpec, producer: str, consumers: tuple[str, ...] = ()
) -> None:
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


def _load() -> None:
    # Importing the catalogue modules registers every event type.
    import credmarket_events.catalog  # noqa: F401
