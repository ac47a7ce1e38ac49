"""CloudEvents 1.0 envelope in Kafka binary content mode.

The value of a Kafka record is the event data as JSON; every context attribute
travels as a ``ce_`` header. See docs/adr/0004-cloudevents-binary-mode.md.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from credmarket_events.base import EventData
from credmarket_events.errors import InvalidEventError

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
DATASCHEMA_BASE = "https://schemas.credmarket.dev/events"

# Extension attribute names must be lower-case alphanumerics (CloudEvents 1.0).
H_SPECVERSION = "ce_specversion"
H_ID = "ce_id"
H_SOURCE = "ce_source"
H_TYPE = "ce_type"
H_TIME = "ce_time"
H_SUBJECT = "ce_subject"
H_DATASCHEMA = "ce_dataschema"
H_CORRELATION = "ce_correlationid"
H_CAUSATION = "ce_causationid"
H_TRACEPARENT = "ce_traceparent"
H_CONTENT_TYPE = "content-type"

REQUIRED_HEADERS = (H_SPECVERSION, H_ID, H_SOURCE, H_TYPE, H_TIME, H_SUBJECT)
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}\Z")

Headers = list[tuple[str, bytes]]
D = TypeVar("D", bound=EventData)


def dataschema_for(event_type: str) -> str:
    return f"{DATASCHEMA_BASE}/{event_type}.json"


def new_traceparent() -> str:
    return f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"


@dataclass(frozen=True)
class Envelope(Generic[D]):
    """One event: its CloudEvents context attributes and its typed data."""

    data: D
    source: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str = ""
    causation_id: str | None = None
    traceparent: str = field(default_factory=new_traceparent)

    def __post_init__(self) -> None:
        # A chain starts with itself as its correlation; set here so that
        # every event has one without every producer remembering.
        if not self.correlation_id:
            object.__setattr__(self, "correlation_id", self.id)

    @property
    def type(self) -> str:
        return self.data.event_type

    @property
    def subject(self) -> str:
        return self.data.aggregate_id()

    @property
    def dataschema(self) -> str:
        return dataschema_for(self.type)

    def caused(self, data: EventData, source: str) -> Envelope[Any]:
        """An event caused by this one: same correlation, causation = this id."""
        return Envelope(
            data=data,
            source=source,
            correlation_id=self.correlation_id,
            causation_id=self.id,
            traceparent=self.traceparent,
        )

    def with_data(self, data: D) -> Envelope[D]:
        return replace(self, data=data)


@dataclass(frozen=True)
class KafkaMessage:
    """What goes on the wire: topic, key, value and headers."""

    topic: str
    key: bytes
    value: bytes
    headers: Headers

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k == name:
                return v.decode("utf-8")
        return None


def to_headers(env: Envelope[Any]) -> Headers:
    headers: Headers = [
        (H_SPECVERSION, SPEC_VERSION.encode()),
        (H_ID, env.id.encode()),
        (H_SOURCE, env.source.encode()),
        (H_TYPE, env.type.encode()),
        (H_TIME, format_time(env.time).encode()),
        (H_SUBJECT, env.subject.encode()),
        (H_DATASCHEMA, env.dataschema.encode()),
        (H_CONTENT_TYPE, CONTENT_TYPE.encode()),
        (H_CORRELATION, env.correlation_id.encode()),
        (H_TRACEPARENT, env.traceparent.encode()),
    ]
    if env.causation_id:
        headers.append((H_CAUSATION, env.causation_id.encode()))
    return headers


def format_time(t: datetime) -> str:
    if t.tzinfo is None:
        raise ValueError("event times must be timezone-aware (UTC)")
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def encode(env: Envelope[Any]) -> KafkaMessage:
    """Envelope -> Kafka record (binary content mode)."""
    from credmarket_events.registry import spec_for

    spec = spec_for(env.type)
    if not isinstance(env.data, spec.model):
        raise InvalidEventError(
            "wrong_model",
            f"{env.type} carries {type(env.data).__name__}, not {spec.model.__name__}",
        )
    value = env.data.model_dump_json().encode("utf-8")
    return KafkaMessage(
        topic=spec.topic.name, key=env.subject.encode(), value=value, headers=to_headers(env)
    )


def _header_map(headers: Headers | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in headers or []:
        if v is None:
            continue
        try:
            out[k] = v.decode("utf-8") if isinstance(v, bytes | bytearray) else str(v)
        except UnicodeDecodeError as exc:
            raise InvalidEventError("bad_header", f"header {k!r} is not UTF-8") from exc
    return out


def parse_time(raw: str) -> datetime:
    try:
        t = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidEventError("bad_header", f"ce_time {raw!r} is not RFC 3339") from exc
    if t.tzinfo is None:
        raise InvalidEventError("bad_header", f"ce_time {raw!r} has no UTC offset")
    return t.astimezone(UTC)


def decode(value: bytes | None, headers: Headers | None, key: bytes | None = None) -> Envelope[Any]:
    """Kafka record -> Envelope, validating headers, type and data.

    Raises InvalidEventError, naming what is wrong, for anything that is not a
    valid event of a known type and version.
    """
    from credmarket_events.registry import lookup, versions_of

    h = _header_map(headers)
    missing = [name for name in REQUIRED_HEADERS if not h.get(name)]
    if missing:
        raise InvalidEventError("missing_header", f"missing header(s): {', '.join(missing)}")
    if h[H_SPECVERSION] != SPEC_VERSION:
        raise InvalidEventError(
            "bad_specversion", f"ce_specversion {h[H_SPECVERSION]!r} is not {SPEC_VERSION}"
        )
    ctype = h.get(H_CONTENT_TYPE, CONTENT_TYPE)
    if ctype.split(";")[0].strip() != CONTENT_TYPE:
        raise InvalidEventError("bad_content_type", f"content-type {ctype!r} is not {CONTENT_TYPE}")
    event_type = h[H_TYPE]
    spec = lookup(event_type)
    if spec is None:
        known = versions_of(event_type)
        if known:
            # Distinct from unknown_type: this usually means a producer was
            # upgraded to a major version this consumer does not read yet.
            raise InvalidEventError(
                "unknown_version",
                f"event type {event_type!r} is not a known version (known: {', '.join(known)})",
            )
        raise InvalidEventError("unknown_type", f"unknown event type {event_type!r}")
    time = parse_time(h[H_TIME])
    if value is None:
        raise InvalidEventError("bad_json", "the record has no value")
    try:
        raw = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidEventError("bad_json", f"value is not JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise InvalidEventError("invalid_data", "data must be a JSON object")
    try:
        data = spec.model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidEventError("invalid_data", f"{event_type}: {problems}") from exc
    if data.aggregate_id() != h[H_SUBJECT]:
        raise InvalidEventError(
            "subject_mismatch",
            f"ce_subject {h[H_SUBJECT]!r} is not the data's {spec.model.key_field} "
            f"{data.aggregate_id()!r}",
        )
    if key is not None and key.decode("utf-8", "replace") != h[H_SUBJECT]:
        raise InvalidEventError("key_mismatch", f"key {key!r} is not ce_subject {h[H_SUBJECT]!r}")
    traceparent = h.get(H_TRACEPARENT) or new_traceparent()
    if not _TRACEPARENT.match(traceparent):
        raise InvalidEventError("bad_header", f"ce_traceparent {traceparent!r} is malformed")
    return Envelope(
        data=data,
        source=h[H_SOURCE],
        id=h[H_ID],
        time=time,
        correlation_id=h.get(H_CORRELATION) or h[H_ID],
        causation_id=h.get(H_CAUSATION),
        traceparent=traceparent,
    )
