"""The search engine's cursors: round trips, and every forged value is refused."""

import base64
import json
from typing import Any

import pytest
from catalog.domain.search_cursor import (
    MAX_RELEVANCE_DEPTH,
    SearchCursor,
    SearchCursorInvalid,
    decode_search_cursor,
    encode_search_cursor,
)
from catalog.domain.search_query import SortOrder

FINGERPRINT = "python\x1f\x1frelevance"


def test_cursors_round_trip() -> None:
    for cursor in (
        SearchCursor(SortOrder.RELEVANCE, 3.1415927, 2**62, 20),
        SearchCursor(SortOrder.NEWEST, 2**64 - 1, 0, 0),
        SearchCursor(SortOrder.PRICE_ASC, 4900 << 29, 12345, 40),
    ):
        text = encode_search_cursor(cursor, FINGERPRINT)
        assert decode_search_cursor(text, cursor.sort, FINGERPRINT) == cursor


def forged(**body: Any) -> str:
    good = json.loads(
        base64.urlsafe_b64decode(
            encode_search_cursor(SearchCursor(SortOrder.NEWEST, 5, 6, 7), FINGERPRINT) + "=="
        )
    )
    good.update(body)
    raw = json.dumps(good).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "text",
    [
        "garbage",
        "",
        "!!!!",
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        forged(v=1),
        forged(f="0" * 16),
        forged(s="price_asc"),
        forged(k=2**64),  # one past an unsigned 64-bit key
        forged(k=10**400),
        forged(k=-1),
        forged(k=1.5),
        forged(k=True),
        forged(k="5"),
        forged(t=2**63),
        forged(t=-1),
        forged(t=None),
        forged(d=-1),
        forged(d=2**31),
    ],
)
def test_forged_cursors_are_refused(text: str) -> None:
    with pytest.raises(SearchCursorInvalid):
        decode_search_cursor(text, SortOrder.NEWEST, FINGERPRINT)


@pytest.mark.parametrize("key", ["NaN", "Infinity", "1e400", "1e13"])
def test_relevance_scores_must_be_finite_and_plausible(key: str) -> None:
    good = encode_search_cursor(SearchCursor(SortOrder.RELEVANCE, 1.0, 1, 1), FINGERPRINT)
    raw = base64.urlsafe_b64decode(good + "==").decode().replace('"k":1.0', f'"k":{key}')
    text = base64.urlsafe_b64encode(raw.encode()).decode()
    with pytest.raises(SearchCursorInvalid):
        decode_search_cursor(text, SortOrder.RELEVANCE, FINGERPRINT)


@pytest.mark.parametrize("depth", [0, MAX_RELEVANCE_DEPTH + 1])
def test_relevance_pages_stop_at_the_depth_bound(depth: int) -> None:
    text = encode_search_cursor(SearchCursor(SortOrder.RELEVANCE, 1.0, 1, depth), FINGERPRINT)
    with pytest.raises(SearchCursorInvalid):
        decode_search_cursor(text, SortOrder.RELEVANCE, FINGERPRINT)
