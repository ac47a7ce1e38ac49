"""Rules every piece of free text obeys, wherever it comes from."""

from __future__ import annotations

import re

from catalog.domain.violations import Violation

# Same shapes as credmarket_events.values, so whatever we accept an event also accepts.
HTTP_URL = re.compile(r"^https?://\S+\Z")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\Z")
MAX_URL_LENGTH = 2048
MAX_EMAIL_LENGTH = 320


def is_storable(text: str) -> bool:
    """PostgreSQL text can hold neither NUL nor lone surrogates (they are not UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_text(field: str, value: str, *, max_length: int, min_length: int = 1) -> list[Violation]:
    if not is_storable(value):
        return [Violation(field, "unstorable", "contains NUL or invalid Unicode characters")]
    if len(value.strip()) < min_length:
        return [Violation(field, "blank", "must not be blank")]
    if len(value) > max_length:
        return [Violation(field, "too_long", f"must be at most {max_length} characters")]
    return []


def check_url(field: str, value: str) -> list[Violation]:
    if not is_storable(value) or len(value) > MAX_URL_LENGTH or not HTTP_URL.match(value):
        return [Violation(field, "not_a_url", "must be an http(s) URL of at most 2048 characters")]
    return []


def check_email(field: str, value: str) -> list[Violation]:
    if not is_storable(value) or len(value) > MAX_EMAIL_LENGTH or not EMAIL.match(value):
        return [Violation(field, "not_an_email", "must be an email address")]
    return []
