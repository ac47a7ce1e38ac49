"""The pure rules of webhooks: signatures the standard's package verifies, back-off,
which addresses are off limits, which URLs are acceptable, the payload's shape."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from catalog.domain.webhook_payload import structured
from catalog.domain.webhook_retry import RetryPolicy
from catalog.domain.webhook_signature import new_secret, signature_header
from catalog.domain.webhook_url import forbidden_address, url_violations
from credmarket_events.enrollment import EnrollmentActivatedV1
from credmarket_events.testing import make_envelope
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def test_a_signature_verifies_with_the_standard_webhooks_package() -> None:
    secret = new_secret()
    body = b'{"hello":"world"}'
    now = int(datetime.now(UTC).timestamp())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(now),
        "webhook-signature": signature_header([secret], "msg_1", now, body),
    }
    assert Webhook(secret).verify(body, headers) == {"hello": "world"}
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b'{"hello":"mallory"}', headers)


def test_two_secrets_sign_twice_and_either_verifies() -> None:
    old, new = new_secret(), new_secret()
    body = b"{}"
    now = int(datetime.now(UTC).timestamp())
    header = signature_header([new, old], "msg_2", now, body)
    assert len(header.split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(
            body,
            {"webhook-id": "msg_2", "webhook-timestamp": str(now), "webhook-signature": header},
        )


def test_back_off_grows_to_its_cap_with_jitter_and_stops_after_the_window() -> None:
    policy = RetryPolicy(timedelta(seconds=5), timedelta(hours=6), timedelta(days=3))
    rng = random.Random(7)
    delays = [policy.delay(n, rng) for n in range(1, 20)]
    assert timedelta(seconds=2.5) <= delays[0] <= timedelta(seconds=5)
    assert timedelta(seconds=5) <= delays[1] <= timedelta(seconds=10)
    assert all(d <= timedelta(hours=6) for d in delays)
    assert delays[-1] >= timedelta(hours=3)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert policy.next_attempt(start, 3, start + timedelta(days=2), rng) is not None
    assert policy.next_attempt(start, 30, start + timedelta(days=3), rng) is None
    assert not policy.endpoint_exhausted(None, start)
    assert not policy.endpoint_exhausted(start, start + timedelta(days=2, hours=23))
    assert policy.endpoint_exhausted(start, start + timedelta(days=3))


def test_the_retries_of_three_days_are_not_a_handful_nor_a_flood() -> None:
    policy = RetryPolicy()
    rng = random.Random(1)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    at, attempts = start, 1
    while (next_at := policy.next_attempt(start, attempts, at, rng)) is not None:
        at, attempts = next_at, attempts + 1
    assert 15 <= attempts <= 40
    assert at - start >= timedelta(days=3) - timedelta(hours=6)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("fd00:ec2::254", "metadata"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.0.0.8", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),
        ("0.0.0.0", "reserved"),  # noqa: S104 - an address checked, not bound
        ("224.0.0.1", "reserved"),
        ("93.184.215.14", None),
        ("2606:4700::1111", None),
    ],
)
def test_addresses_off_limits(address: str, reason: str | None) -> None:
    assert forbidden_address(address) == reason


@pytest.mark.parametrize(
    ("url", "allow_http", "codes"),
    [
        ("https://lms.example/hooks?x=1", False, []),
        ("http://lms.example/hooks", False, ["https_required"]),
        ("http://lms.example/hooks", True, []),
        ("ftp://lms.example/", True, ["https_required"]),
        ("https:///nohost", False, ["invalid_url"]),
        ("https://a:b@lms.example/", False, ["invalid_url"]),
        ("https://lms.example/#frag", False, ["invalid_url"]),
        ("https://lms.example:99999/", False, ["invalid_url"]),
        ("https://lms.example/" + "a" * 2000, False, ["too_long"]),
        ("https://lms.example/a\x00b", False, ["invalid_url"]),
        ("https://lms.example/a b", False, ["invalid_url"]),
    ],
)
def test_url_rules(url: str, allow_http: bool, codes: list[str]) -> None:
    assert [v.code for v in url_violations(url, allow_http=allow_http)] == codes


def test_the_payload_is_the_cloudevent_in_structured_mode() -> None:
    envelope = make_envelope(EnrollmentActivatedV1.event_type)
    document = json.loads(structured(envelope))
    assert document["specversion"] == "1.0"
    assert document["id"] == envelope.id
    assert document["type"] == envelope.type
    assert document["subject"] == envelope.subject
    assert document["data"] == json.loads(envelope.data.model_dump_json())
    assert document["dataschema"].endswith(f"{envelope.type}.json")
