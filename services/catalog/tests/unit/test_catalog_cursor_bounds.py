"""The database search's cursors: numbers out of the columns' range are refused (issue 19)."""

import base64
import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from catalog.domain.cursor import Cursor, CursorInvalid, decode_cursor, encode_cursor
from catalog.domain.search_query import SortOrder

FINGERPRINT = "python\x1f\x1fprice_asc"


def with_key(sort: SortOrder, key: Any) -> str:
    text = encode_cursor(Cursor(sort, 4900, uuid4()), FINGERPRINT)
    body = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    body["k"] = key
    raw = json.dumps(body).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("key", [2**63, 2**70, -1, 10**400])
def test_a_price_past_bigint_is_invalid(key: int) -> None:
    with pytest.raises(CursorInvalid):
        decode_cursor(with_key(SortOrder.PRICE_ASC, key), SortOrder.PRICE_ASC, FINGERPRINT)


@pytest.mark.parametrize("key", [10**400, 1e300, 2**63])
def test_a_rank_out_of_range_is_invalid(key: float) -> None:
    with pytest.raises(CursorInvalid):
        decode_cursor(with_key(SortOrder.RELEVANCE, key), SortOrder.RELEVANCE, FINGERPRINT)


def test_cursors_in_range_still_decode() -> None:
    price = decode_cursor(
        with_key(SortOrder.PRICE_ASC, 2**63 - 1), SortOrder.PRICE_ASC, FINGERPRINT
    )
    assert price.key == 2**63 - 1
    rank = decode_cursor(with_key(SortOrder.RELEVANCE, 0.25), SortOrder.RELEVANCE, FINGERPRINT)
    assert rank.key == 0.25
    newest = Cursor(SortOrder.NEWEST, datetime(2026, 1, 1, tzinfo=UTC), uuid4())
    text = encode_cursor(newest, FINGERPRINT)
    assert decode_cursor(text, SortOrder.NEWEST, FINGERPRINT) == newest
