from datetime import UTC, datetime, timedelta

from catalog.domain.api_keys import (
    hash_secret,
    issue_key,
    key_usable,
    parse_key,
    secret_matches,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_issued_key_parses_back_and_matches_its_hash() -> None:
    issued = issue_key()
    presented = parse_key(issued.plaintext)
    assert presented is not None
    assert presented.prefix == issued.prefix
    assert len(issued.prefix) == 8
    assert issued.plaintext.startswith(f"cmk_{issued.prefix}_")
    assert secret_matches(presented.secret, issued.secret_hash)


def test_the_hash_is_not_the_secret() -> None:
    issued = issue_key()
    presented = parse_key(issued.plaintext)
    assert presented is not None
    assert presented.secret.encode() not in issued.secret_hash
    assert issued.secret_hash == hash_secret(presented.secret)


def test_keys_differ() -> None:
    assert issue_key().plaintext != issue_key().plaintext


def test_deterministic_with_given_randomness() -> None:
    a = issue_key(lambda n: bytes(range(n)))
    b = issue_key(lambda n: bytes(range(n)))
    assert a == b


def test_a_wrong_secret_does_not_match() -> None:
    issued = issue_key()
    other = parse_key(issue_key().plaintext)
    assert other is not None
    assert not secret_matches(other.secret, issued.secret_hash)


def test_malformed_keys_are_not_parsed() -> None:
    good = issue_key().plaintext
    assert parse_key("") is None
    assert parse_key(good[:-1]) is None
    assert parse_key(good + "x") is None
    assert parse_key(good.replace("cmk_", "sk_")) is None
    assert parse_key(good.upper()) is None


def test_usability_over_time() -> None:
    assert key_usable(None, None, NOW)
    assert not key_usable(NOW, None, NOW)
    assert key_usable(NOW + timedelta(seconds=1), None, NOW)
    assert key_usable(None, NOW + timedelta(minutes=5), NOW)
    assert not key_usable(None, NOW, NOW)
    assert not key_usable(None, NOW - timedelta(seconds=1), NOW)
