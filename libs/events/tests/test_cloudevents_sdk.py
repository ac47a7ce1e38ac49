"""Records from this library are valid CloudEvents to the official Python SDK."""

from __future__ import annotations

import re

import pytest
from cloudevents.core.bindings import kafka as core_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from cloudevents.v1.kafka import KafkaMessage as SdkKafkaMessage
from cloudevents.v1.kafka import from_binary
from credmarket_events.envelope import encode
from credmarket_events.registry import EventSpec, all_specs
from credmarket_events.testing import as_json, make_envelope

SPECS = all_specs()
# CloudEvents 1.0: attribute names are lower-case ASCII letters and digits.
ATTRIBUTE_NAME = re.compile(r"^[a-z0-9]{1,20}$")


@pytest.mark.parametrize("spec", SPECS, ids=[s.type for s in SPECS])
def test_sdk_reads_our_binary_records(spec: EventSpec) -> None:
    env = make_envelope(spec.model)
    msg = encode(env)

    event = from_binary(SdkKafkaMessage(headers=dict(msg.headers), key=msg.key, value=msg.value))

    assert event["specversion"] == "1.0"
    assert event["id"] == env.id
    assert event["source"] == env.source
    assert event["type"] == spec.type
    assert event["subject"] == env.subject
    assert event["datacontenttype"] == "application/json"
    assert event["dataschema"] == env.dataschema
    assert event["correlationid"] == env.correlation_id
    assert event["traceparent"] == env.traceparent
    assert event.data == as_json(env.data)


@pytest.mark.parametrize("spec", SPECS, ids=[s.type for s in SPECS])
def test_strict_core_binding_validates_our_records(spec: EventSpec) -> None:
    # The newer core API validates attributes (required ones, extension names).
    env = make_envelope(spec.model).caused(
        make_envelope(spec.model).data, source="/credmarket/test"
    )
    msg = encode(env)
    event = core_kafka.from_binary(
        core_kafka.KafkaMessage(headers=dict(msg.headers), key=msg.key, value=msg.value),
        JSONFormat(),
        CloudEvent,
    )
    assert event.get_type() == spec.type
    assert event.get_time() == env.time
    assert event.get_extension("causationid") == env.causation_id


def test_extension_attribute_names_are_valid() -> None:
    msg = encode(make_envelope(SPECS[0].model).caused(make_envelope(SPECS[0].model).data, "/x"))
    names = [k.removeprefix("ce_") for k, _ in msg.headers if k.startswith("ce_")]
    assert "causationid" in names
    for name in names:
        assert ATTRIBUTE_NAME.match(name), f"{name!r} is not a valid CloudEvents attribute name"
