"""How a service declares what it does with each consumed event type."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from credmarket_events.base import EventData
from credmarket_events.envelope import Envelope

from credmarket_platform.db.unit_of_work import UnitOfWork
from credmarket_platform.failures import NonRetryableError

__all__ = [
    "CallThenRecord",
    "Handler",
    "HandlerContext",
    "HandlerRegistry",
    "NonRetryableError",
]

D = TypeVar("D", bound=EventData)
R = TypeVar("R")


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


@dataclass(frozen=True)
class CallThenRecord(Generic[D, R]):
    """A handler that calls another system (Stripe): the call, then the recording.

    ``call`` runs before the consumer opens its transaction for the record, and never
    inside a batch, so no row lock of ours is held while the other system answers and
    nothing it does can wait on a lock its own batch holds. It may commit short
    transactions of its own (recording its intent, so that the call can use an
    idempotency key derived from it) and must be safe to repeat: a failure anywhere
    repeats the whole record. ``record`` then runs in the consumer's transaction with
    what the call returned, like any handler.
    """

    call: Callable[[Envelope[D]], Awaitable[R]]
    record: Callable[[HandlerContext[D], R], Awaitable[None]]


@dataclass
class HandlerRegistry:
    """Event type -> handler, registered per consumed type."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    calls: dict[str, CallThenRecord[Any, Any]] = field(default_factory=dict)

    def register(self, model: type[EventData], handler: Handler) -> None:
        if model.event_type in self.handlers:
            raise ValueError(f"two handlers for {model.event_type}")
        self.handlers[model.event_type] = handler

    def register_call(self, model: type[D], steps: CallThenRecord[D, Any]) -> None:
        async def record_only(ctx: HandlerContext[Any]) -> None:
            raise RuntimeError(f"{model.event_type} calls out: the consumer runs it in two steps")

        self.register(model, record_only)
        self.calls[model.event_type] = steps

    def on(self, model: type[D]) -> Callable[[Callable[[HandlerContext[D]], Awaitable[None]]], Any]:
        def deco(fn: Callable[[HandlerContext[D]], Awaitable[None]]) -> Any:
            self.register(model, fn)
            return fn

        return deco

    def get(self, event_type: str) -> Handler | None:
        return self.handlers.get(event_type)

    def call_of(self, event_type: str) -> CallThenRecord[Any, Any] | None:
        return self.calls.get(event_type)

    def topics(self) -> set[str]:
        from credmarket_events.registry import spec_for

        return {spec_for(t).topic.name for t in self.handlers}
