"""The AsyncAPI 3.0 document of the marketplace, generated from the registry.

Channels are topics; each producing service has a ``send`` operation and each
consuming service a ``receive`` operation listing exactly the messages it
reads, so who talks to whom is visible in any AsyncAPI tool.
"""

from __future__ import annotations

import inspect
from typing import Any

from credmarket_events.envelope import (
    CONTENT_TYPE,
    H_CAUSATION,
    H_CONTENT_TYPE,
    H_CORRELATION,
    H_DATASCHEMA,
    H_ID,
    H_SOURCE,
    H_SPECVERSION,
    H_SUBJECT,
    H_TIME,
    H_TRACEPARENT,
    H_TYPE,
    SPEC_VERSION,
    dataschema_for,
)
from credmarket_events.registry import EventSpec, all_specs
from credmarket_events.schemas import shared_definitions
from credmarket_events.topics import TOPICS, TopicSpec

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
Document = dict[str, Any]


def channel_id(topic: TopicSpec) -> str:
    head, *rest = topic.name.replace("-", ".").split(".")
    return head + "".join(part.capitalize() for part in rest)


def message_id(spec: EventSpec) -> str:
    return spec.model.__name__


def _headers_schema(spec: EventSpec) -> dict[str, Any]:
    def text(description: str, **extra: Any) -> dict[str, Any]:
        return {"type": "string", "description": description, **extra}

    return {
        "type": "object",
        "description": "CloudEvents 1.0 context attributes, Kafka binary content mode.",
        "required": [H_SPECVERSION, H_ID, H_SOURCE, H_TYPE, H_TIME, H_SUBJECT],
        "properties": {
            H_SPECVERSION: text("CloudEvents spec version.", const=SPEC_VERSION),
            H_ID: text("Unique event id (UUID); consumers deduplicate on it.", format="uuid"),
            H_SOURCE: text("URI reference of the producing service, e.g. /credmarket/catalog."),
            H_TYPE: text("Event type, with its major version.", const=spec.type),
            H_TIME: text("When it happened, RFC 3339 in UTC.", format="date-time"),
            H_SUBJECT: text(f"The aggregate id: the data's {spec.key_field}; also the key."),
            H_DATASCHEMA: text("JSON Schema of the data.", const=dataschema_for(spec.type)),
            H_CONTENT_TYPE: text("Media type of the value.", const=CONTENT_TYPE),
            H_CORRELATION: text("Id of the first event of the chain (extension)."),
            H_CAUSATION: text("Id of the event that caused this one (extension)."),
            H_TRACEPARENT: text("W3C trace context (distributed tracing extension)."),
        },
    }


def _message(spec: EventSpec, payload: dict[str, Any]) -> dict[str, Any]:
    # cleandoc: Python 3.13 dedents docstrings itself, 3.11 does not; one document for both.
    doc = inspect.cleandoc(spec.model.__doc__ or "")
    return {
        "name": spec.type,
        "title": spec.model.__name__,
        "summary": doc.splitlines()[0] if doc else spec.type,
        "description": doc,
        "contentType": CONTENT_TYPE,
        "headers": _headers_schema(spec),
        "payload": payload,
        "bindings": {
            "kafka": {
                "key": {"type": "string", "format": "uuid", "description": spec.key_field},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
        "x-producer": spec.producer,
        "x-consumers": list(spec.consumers),
    }


def _channel(topic: TopicSpec, specs: list[EventSpec]) -> dict[str, Any]:
    return {
        "address": topic.name,
        "title": topic.name,
        "description": topic.description,
        "messages": {
            message_id(s): {"$ref": f"#/components/messages/{message_id(s)}"} for s in specs
        },
        "bindings": {
            "kafka": {
                "topic": topic.name,
                "partitions": topic.partitions,
                "replicas": topic.replication_factor,
                "topicConfiguration": {
                    "cleanup.policy": [topic.cleanup_policy],
                    "retention.ms": topic.retention_ms,
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _operation(
    service: str, action: str, topic: TopicSpec, specs: list[EventSpec]
) -> dict[str, Any]:
    cid = channel_id(topic)
    verb = "publishes to" if action == "send" else "consumes from"
    return {
        "action": action,
        "title": f"{service} {verb} {topic.name}",
        "summary": f"{service} {verb} {topic.name}: {', '.join(message_id(s) for s in specs)}",
        "channel": {"$ref": f"#/channels/{cid}"},
        "messages": [{"$ref": f"#/channels/{cid}/messages/{message_id(s)}"} for s in specs],
        "tags": [{"name": service}],
        "x-service": service,
    }


def build_document(version: str = "1.0.0") -> Document:
    specs = all_specs()
    payload_refs, definitions = shared_definitions(specs, "#/components/schemas/{model}")
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in TOPICS:
        on_topic = [s for s in specs if s.topic.name == topic.name]
        if not on_topic:
            continue
        cid = channel_id(topic)
        channels[cid] = _channel(topic, on_topic)
        for producer in sorted({s.producer for s in on_topic}):
            sent = [s for s in on_topic if s.producer == producer]
            operations[f"{producer}.send.{cid}"] = _operation(producer, "send", topic, sent)
        for consumer in sorted({c for s in on_topic for c in s.consumers}):
            read = [s for s in on_topic if consumer in s.consumers]
            operations[f"{consumer}.receive.{cid}"] = _operation(consumer, "receive", topic, read)
    services = sorted({s.producer for s in specs} | {c for s in specs for c in s.consumers})
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "credmarket events",
            "version": version,
            "description": (
                "Every event crossing a service boundary of the credmarket marketplace. "
                "Events are CloudEvents 1.0 in Kafka binary content mode: context attributes "
                "in ce_* headers, JSON data in the value, keyed by the aggregate id. "
                "Generated by `python -m credmarket_events.export`; do not edit by hand."
            ),
            "tags": [{"name": s} for s in services],
        },
        "defaultContentType": CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": {message_id(s): _message(s, payload_refs[s.type]) for s in specs},
            "schemas": definitions,
        },
    }
