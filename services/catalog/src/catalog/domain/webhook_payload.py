"""The body of a webhook: the CloudEvent in JSON structured mode.

On Kafka the marketplace uses binary mode (ADR 0004); an HTTP receiver gets the same
context attributes and data in one JSON document, so any CloudEvents SDK reads it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from credmarket_events.envelope import CONTENT_TYPE, SPEC_VERSION, Envelope, format_time

# The media type of a structured-mode CloudEvent in JSON.
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"


def structured(envelope: Envelope[Any]) -> str:
    document: dict[str, Any] = {
        "specversion": SPEC_VERSION,
        "id": envelope.id,
        "source": envelope.source,
        "type": envelope.type,
        "subject": envelope.subject,
        "time": format_time(envelope.time),
        "datacontenttype": CONTENT_TYPE,
        "dataschema": envelope.dataschema,
        "correlationid": envelope.correlation_id,
        "traceparent": envelope.traceparent,
        "data": envelope.data.model_dump(mode="json"),
    }
    if envelope.causation_id:
        document["causationid"] = envelope.causation_id
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def ping(event_id: str, endpoint_id: str, source: str, now: datetime, event_type: str) -> str:
    """A test event: the shape of every other delivery, data saying what it is."""
    document = {
        "specversion": SPEC_VERSION,
        "id": event_id,
        "source": source,
        "type": event_type,
        "subject": endpoint_id,
        "time": format_time(now),
        "datacontenttype": CONTENT_TYPE,
        "data": {"endpoint_id": endpoint_id, "message": "ping from credmarket"},
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)
