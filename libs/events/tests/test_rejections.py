"""Malformed records are rejected with a specific, readable reason."""

from __future__ import annotations

import json

import pytest
from credmarket_events.envelope import Headers, KafkaMessage, decode
from credmarket_events.errors import InvalidEventError
from credmarket_events.testing import make_message

TYPE = "credmarket.enrollment.enrollment.requested.v1"


def _msg() -> KafkaMessage:
    return make_message(TYPE)


def _with_header(msg: KafkaMessage, name: str, value: str | None) -> Headers:
    headers = [(k, v) for k, v in msg.headers if k != name]
    if value is not None:
        headers.append((name, value.encode()))
    return headers


def _reject(value: bytes | None, headers: Headers, key: bytes | None = None) -> InvalidEventError:
    with pytest.raises(InvalidEventError) as info:
        decode(value, headers, key)
    return info.value


@pytest.mark.parametrize("header", ["ce_id", "ce_type", "ce_source", "ce_time", "ce_subject"])
def test_missing_header(header: str) -> None:
    msg = _msg()
    err = _reject(msg.value, _with_header(msg, header, None))
    assert err.reason == "missing_header"
    assert header in err.detail


def test_no_headers_at_all() -> None:
    assert _reject(_msg().value, []).reason == "missing_header"


def test_unknown_type() -> None:
    msg = _msg()
    err = _reject(msg.value, _with_header(msg, "ce_type", "com.example.something.v1"))
    assert err.reason == "unknown_type"


def test_unknown_version() -> None:
    msg = _msg()
    err = _reject(msg.value, _with_header(msg, "ce_type", TYPE.replace(".v1", ".v9")))
    assert err.reason == "unknown_version"
    assert TYPE in err.detail  # names the versions it does know


def test_data_of_another_type() -> None:
    msg = _msg()
    other = "credmarket.payments.payment.succeeded.v1"
    err = _reject(msg.value, _with_header(msg, "ce_type", other))
    assert err.reason == "invalid_data"
    assert "payment_id" in err.detail


@pytest.mark.parametrize("value", [b"{not json", b"\xff\xfe", b""])
def test_bad_json(value: bytes) -> None:
    assert _reject(value, _msg().headers).reason == "bad_json"


def test_no_value() -> None:
    assert _reject(None, _msg().headers).reason == "bad_json"


def test_data_not_an_object() -> None:
    assert _reject(b"[1, 2]", _msg().headers).reason == "invalid_data"


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("enrollment_id", "not-a-uuid"),
        ("offering_version", "one"),
        ("quoted_price", {"amount": "49.00", "currency": "EUR"}),
        ("quoted_price", {"amount": 4900, "currency": "XXY"}),
        ("learner_email", 42),
    ],
)
def test_wrong_field_types(field: str, bad: object) -> None:
    msg = _msg()
    data = json.loads(msg.value)
    data[field] = bad
    headers = msg.headers
    if field == "enrollment_id":
        headers = _with_header(msg, "ce_subject", "not-a-uuid")
    err = _reject(json.dumps(data).encode(), headers)
    assert err.reason == "invalid_data"
    assert field in err.detail


def test_missing_field() -> None:
    msg = _msg()
    data = json.loads(msg.value)
    del data["payment_deadline"]
    err = _reject(json.dumps(data).encode(), msg.headers)
    assert err.reason == "invalid_data"
    assert "payment_deadline" in err.detail


def test_subject_mismatch() -> None:
    msg = _msg()
    err = _reject(
        msg.value, _with_header(msg, "ce_subject", "00000000-0000-0000-0000-000000000000")
    )
    assert err.reason == "subject_mismatch"


def test_key_mismatch() -> None:
    msg = _msg()
    assert _reject(msg.value, msg.headers, key=b"another-key").reason == "key_mismatch"


def test_non_utc_time_in_data() -> None:
    msg = _msg()
    data = json.loads(msg.value)
    data["requested_at"] = "2025-03-01T10:00:00+02:00"
    err = _reject(json.dumps(data).encode(), msg.headers)
    assert err.reason == "invalid_data"
    assert "requested_at" in err.detail
    assert "UTC" in err.detail


def test_naive_time_in_data() -> None:
    msg = _msg()
    data = json.loads(msg.value)
    data["requested_at"] = "2025-03-01T10:00:00"
    assert _reject(json.dumps(data).encode(), msg.headers).reason == "invalid_data"


@pytest.mark.parametrize("raw", ["2025-03-01T10:00:00", "yesterday"])
def test_bad_ce_time(raw: str) -> None:
    msg = _msg()
    err = _reject(msg.value, _with_header(msg, "ce_time", raw))
    assert err.reason == "bad_header"
    assert "ce_time" in err.detail


def test_wrong_specversion() -> None:
    msg = _msg()
    assert (
        _reject(msg.value, _with_header(msg, "ce_specversion", "0.3")).reason == "bad_specversion"
    )


def test_wrong_content_type() -> None:
    msg = _msg()
    err = _reject(msg.value, _with_header(msg, "content-type", "application/avro"))
    assert err.reason == "bad_content_type"


def test_malformed_traceparent() -> None:
    msg = _msg()
    assert _reject(msg.value, _with_header(msg, "ce_traceparent", "nope")).reason == "bad_header"


def test_header_not_utf8() -> None:
    msg = _msg()
    headers = [(k, v) for k, v in msg.headers if k != "ce_source"] + [("ce_source", b"\xff")]
    assert _reject(msg.value, headers).reason == "bad_header"
