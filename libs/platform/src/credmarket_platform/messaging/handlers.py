"""How a service declares what it does with each consumed event type."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from credmarket_events.base import EventData
from credmarket_events.envelope import Envelope

from credmarket_platform.db.unit_of_work import UnitOfWork

D = TypeVar("D", bound=EventData)


@dataclass
class HandlerContext(Generic[D]):
    """What a handler gets: the event, the open unit of work, and a way to emit.

    Events emitted through ``emit`` carry the consumed event's correlation id,
    with its id as their causation id.
    """

    envelope: Envelope[D]
    uow: UnitOfWork
    source: str

    @property
    def data(self) -> D:
        return self.envelope.data

    def emit(self, data: EventData) -> Envelope[Any]:
        return self.uow.emit_new(data, self.source, cause=self.envelope)


Handler = Callable[[HandlerContext[Any]], Awaitable[None]]


class NonRetryableError(Exception):
    """The event can never be handled (bad content); dead-letter it at once."""


@dataclass
class HandlerRegistry:
    """Event type -> handler, registered per consumed type."""

    handlers: dict[str, Handler] = field(default_factory=dict)

    def register(self, model: type[EventData], handler: Handler) -> None:
        if model.event_type in self.handlers:
            raise ValueError(f"two handlers for {model.event_type}")
        self.handlers[model.event_type] = handler

    def on(self, model: type[D]) -> Callable[[Callable[[HandlerContext[D]], Awaitable[None]]], Any]:
        def deco(fn: Callable[[HandlerContext[D]], Awaitable[None]]) -> Any:
            self.register(model, fn)
            return fn

        return deco

    def get(self, event_type: str) -> Handler | None:
        return self.handlers.get(event_type)

    def topics(self) -> set[str]:
        from credmarket_events.registry import spec_for

        return {spec_for(t).topic.name for t in self.handlers}
