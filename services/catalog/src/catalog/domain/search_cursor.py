"""The search engine's page cursors: where the last page ended, in the sort's own terms.

Every sort is a total order: (relevance score, tie-break) or (sort key, tie-break),
where the tie-break is a hash of the offering id that every replica computes alike, so
a cursor issued by one replica pages on any other. A cursor names the search it
belongs to (a digest of the question), and every number in it is range-checked: a
cursor is client input, and a forged one gets a 422, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

from catalog.domain.search_query import SortOrder

CURSOR_VERSION = 2
MAX_KEY = 2**64 - 1
MAX_TIE = 2**63 - 1
# Relevance pages are cut from the best matches, at most this deep (ADR 0022).
MAX_RELEVANCE_DEPTH = 10_000
MAX_SCORE = 1e12


class SearchCursorInvalid(Exception):
    pass


@dataclass(frozen=True)
class SearchCursor:
    sort: SortOrder
    # Relevance: the last score; other sorts: the last sort key (an unsigned integer).
    key: float | int
    tie: int
    # Relevance: how many results came before the next page (1..MAX_RELEVANCE_DEPTH).
    depth: int


def _digest(fingerprint: str) -> str:
    return hashlib.sha256(fingerprint.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def encode_search_cursor(cursor: SearchCursor, fingerprint: str) -> str:
    body = {
        "v": CURSOR_VERSION,
        "s": cursor.sort.value,
        "k": cursor.key,
        "t": cursor.tie,
        "d": cursor.depth,
        "f": _digest(fingerprint),
    }
    raw = json.dumps(body, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _int(raw: Any, low: int, high: int, what: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise SearchCursorInvalid(f"bad {what}")
    return raw


def decode_search_cursor(text: str, sort: SortOrder, fingerprint: str) -> SearchCursor:
    try:
        padded = text + "=" * (-len(text) % 4)
        body = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error, RecursionError) as exc:
        raise SearchCursorInvalid("not a cursor this service issued") from exc
    if not isinstance(body, dict) or body.get("v") != CURSOR_VERSION:
        raise SearchCursorInvalid("not a cursor this service issued")
    if body.get("f") != _digest(fingerprint) or body.get("s") != sort.value:
        raise SearchCursorInvalid("the cursor belongs to a different search or sort order")
    key_raw = body.get("k")
    key: float | int
    if sort is SortOrder.RELEVANCE:
        if isinstance(key_raw, bool) or not isinstance(key_raw, int | float):
            raise SearchCursorInvalid("bad sort key")
        key = float(key_raw)
        if not math.isfinite(key) or abs(key) > MAX_SCORE:
            raise SearchCursorInvalid("bad sort key")
    else:
        key = _int(key_raw, 0, MAX_KEY, "sort key")
    tie = _int(body.get("t"), 0, MAX_TIE, "tie-break")
    depth = _int(body.get("d"), 0, 2**31 - 1, "depth")
    if sort is SortOrder.RELEVANCE and not 1 <= depth <= MAX_RELEVANCE_DEPTH:
        raise SearchCursorInvalid("bad depth")
    return SearchCursor(sort, key, tie, depth)
