"""Helpers for services' tests: build valid events and check produced messages.

Defaults are generated from the model's fields, so a new event type or field
gets sensible values without touching this module; a few names get values that
satisfy their constraints or relations (fees that add up, URLs, emails).
"""

from __future__ import annotations

import json
import types
import typing
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any, TypeVar, Union

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from credmarket_events.achievement import AchievementSnapshot
from credmarket_events.base import EventData
from credmarket_events.envelope import Envelope, Headers, KafkaMessage, decode, encode
from credmarket_events.errors import InvalidEventError
from credmarket_events.registry import spec_for
from credmarket_events.values import Money

E = TypeVar("E", bound=EventData)

DEFAULT_PRICE = Money(amount=4900, currency="EUR")


def _now() -> datetime:
    return datetime.now(UTC)


def _achievement() -> AchievementSnapshot:
    return AchievementSnapshot(
        achievement_id=f"urn:uuid:{uuid.uuid4()}",
        name="Data Wrangling with Python",
        description="Cleans, joins and reshapes tabular data with pandas.",
        criteria_narrative="Pass the final project with at least 70 percent.",
        image_url="https://cdn.credmarket.dev/badges/data-wrangling.png",
        valid_for_days=730,
    )


# Values by field name, where the type alone does not give a valid or
# meaningful one.
_BY_NAME: dict[str, Callable[[], Any]] = {
    "price": lambda: DEFAULT_PRICE,
    "quoted_price": lambda: DEFAULT_PRICE,
    "amount": lambda: DEFAULT_PRICE,
    "platform_fee": lambda: Money(amount=490, currency="EUR"),
    "provider_share": lambda: Money(amount=4410, currency="EUR"),
    "amount_refunded": lambda: DEFAULT_PRICE,
    "total_refunded": lambda: DEFAULT_PRICE,
    "full": lambda: True,
    "version": lambda: 1,
    "offering_version": lambda: 1,
    "language": lambda: "en",
    "skills": lambda: ["python", "pandas"],
    "duration_minutes": lambda: 90,
    "achievement": _achievement,
    "stripe_payment_intent_id": lambda: f"pi_{uuid.uuid4().hex[:24]}",
    "client_secret": lambda: f"pi_{uuid.uuid4().hex[:24]}_secret_{uuid.uuid4().hex[:16]}",
    "payment_deadline": lambda: _now() + timedelta(days=1),
    "valid_until": lambda: _now() + timedelta(days=730),
    "contact_email": lambda: "courses@provider.example",
    "learner_email": lambda: "learner@example.org",
    "learner_name": lambda: "Ada Lovelace",
    "name": lambda: "Example Academy",
    "title": lambda: "Data Wrangling with Python",
    "decline_code": lambda: "insufficient_funds",
    "via": lambda: "payment",
}


def _value_for(name: str, annotation: Any, field: FieldInfo | None) -> Any:
    if name in _BY_NAME:
        return _BY_NAME[name]()
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _value_for(name, typing.get_args(annotation)[0], field)
    if origin in (Union, types.UnionType):
        # Fill optionals too: a full event exercises every field.
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _value_for(name, inner[0], field)
    if origin is typing.Literal:
        return typing.get_args(annotation)[0]
    if origin is list:
        return [_value_for(name, typing.get_args(annotation)[0], None)]
    if annotation is uuid.UUID:
        return uuid.uuid4()
    if annotation is datetime:
        return _now()
    if annotation is bool:
        return True
    if annotation is int:
        return 1
    if annotation is float:
        return 90.0
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return next(iter(annotation))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation(**_defaults(annotation))
    if annotation is str:
        if name.endswith("_url") or name == "website":
            return f"https://example.org/{name.replace('_', '-')}/{uuid.uuid4().hex[:8]}"
        if name.endswith("_email"):
            return "someone@example.org"
        return f"Example {name.replace('_', ' ')}"
    raise TypeError(f"make_event has no default for {name}: {annotation!r}; pass it explicitly")


def _defaults(model: type[BaseModel]) -> dict[str, Any]:
    return {
        name: _value_for(name, field.rebuild_annotation(), field)
        for name, field in model.model_fields.items()
    }


def make_event(model_or_type: type[E] | str, **overrides: Any) -> E:
    """A valid event of the given model (or CloudEvents type), fields overridable.

    >>> make_event(EnrollmentRequestedV1, quoted_price=Money(amount=0, currency="EUR"))
    """
    model: type[Any] = (
        spec_for(model_or_type).model if isinstance(model_or_type, str) else model_or_type
    )
    data = {
        name: _value_for(name, field.rebuild_annotation(), field)
        for name, field in model.model_fields.items()
        if name not in overrides
    }
    event: E = model.model_validate({**data, **overrides})
    return event


def make_envelope(
    model_or_type: type[EventData] | str | EventData,
    source: str | None = None,
    **overrides: Any,
) -> Envelope[Any]:
    """An envelope around ``make_event(...)`` (or around the event given)."""
    data = (
        model_or_type
        if isinstance(model_or_type, EventData)
        else make_event(model_or_type, **overrides)
    )
    producer = spec_for(data.event_type).producer
    return Envelope(data=data, source=source or f"/credmarket/{producer}")


def make_message(
    model_or_type: type[EventData] | str | EventData, **overrides: Any
) -> KafkaMessage:
    """The Kafka record a producer would write for such an event."""
    return encode(make_envelope(model_or_type, **overrides))


def assert_valid_event(
    message: KafkaMessage | tuple[bytes, Headers],
    expected_type: type[E] | str,
) -> Envelope[E]:
    """Decode a produced record, asserting it is a valid event of the expected type.

    Accepts a ``KafkaMessage`` or a ``(value, headers)`` pair. Checks topic and
    key too when given a ``KafkaMessage``. Returns the decoded envelope.
    """
    wanted = expected_type if isinstance(expected_type, str) else expected_type.event_type
    spec = spec_for(wanted)
    if isinstance(message, KafkaMessage):
        value, headers, key = message.value, message.headers, message.key
        assert message.topic == spec.topic.name, (
            f"{wanted} belongs on {spec.topic.name}, was sent to {message.topic}"
        )
    else:
        value, headers = message
        key = None
    try:
        env = decode(value, headers, key)
    except InvalidEventError as exc:
        raise AssertionError(f"not a valid event: {exc}") from exc
    assert env.type == wanted, f"expected {wanted}, got {env.type}"
    assert isinstance(env.data, spec.model)
    return env


def as_json(event: EventData) -> dict[str, Any]:
    """The data as a consumer sees it on the wire."""
    parsed: dict[str, Any] = json.loads(event.model_dump_json())
    return parsed
