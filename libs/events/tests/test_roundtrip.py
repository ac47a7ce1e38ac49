"""Every registered type survives model -> Kafka record -> model."""

from __future__ import annotations

import pytest
from credmarket_events.base import EventData
from credmarket_events.envelope import REQUIRED_HEADERS, decode, encode
from credmarket_events.registry import EventSpec, all_specs
from credmarket_events.testing import assert_valid_event, make_envelope, make_event

SPECS = all_specs()


@pytest.mark.parametrize("spec", SPECS, ids=[s.type for s in SPECS])
def test_round_trip(spec: EventSpec) -> None:
    env = make_envelope(spec.model)
    msg = encode(env)

    assert msg.topic == spec.topic.name
    assert msg.key == env.data.aggregate_id().encode()
    names = {k for k, _ in msg.headers}
    assert set(REQUIRED_HEADERS) <= names
    assert {"ce_dataschema", "ce_correlationid", "ce_traceparent", "content-type"} <= names
    assert msg.header("ce_type") == spec.type
    assert msg.header("ce_subject") == str(getattr(env.data, spec.key_field))

    back = decode(msg.value, msg.headers, msg.key)
    assert back == env
    assert type(back.data) is spec.model


@pytest.mark.parametrize("spec", SPECS, ids=[s.type for s in SPECS])
def test_assert_valid_event_accepts_what_encode_produces(spec: EventSpec) -> None:
    event: EventData = make_event(spec.type)
    msg = encode(make_envelope(event))
    env = assert_valid_event(msg, spec.model)
    assert env.data == event
    assert assert_valid_event((msg.value, msg.headers), spec.type).data == event


def test_caused_event_keeps_correlation_and_trace() -> None:
    first = make_envelope("credmarket.enrollment.enrollment.requested.v1")
    second = first.caused(make_event("credmarket.payments.payment.initiated.v1"), "/payments")
    back = decode(encode(second).value, encode(second).headers)
    assert back.correlation_id == first.id
    assert back.causation_id == first.id
    assert back.traceparent == first.traceparent


def test_registry_is_complete() -> None:
    types = {s.type for s in SPECS}
    for service in ("catalog", "enrollment", "payments", "issuance"):
        assert any(t.startswith(f"credmarket.{service}.") for t in types)
    assert len(types) == 20
    for spec in SPECS:
        assert spec.model.__name__.endswith("V1")
        assert spec.model.__doc__, f"{spec.model.__name__} needs a docstring"
        assert spec.producer not in spec.consumers
