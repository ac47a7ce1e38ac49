"""Opaque pagination cursors: the sort key and id of the last row of a page.

Keyset pagination stays stable while offerings are added (no skipped or repeated
rows from shifting offsets) and costs the same on page 1000 as on page 1.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from catalog.domain.search_query import SortOrder

SortKey = float | int | datetime


class CursorInvalid(Exception):
    pass


# (published_at, id) of the oldest offering a relevance search ranked (ADR 0010).
RankBoundary = tuple[datetime, UUID]


@dataclass(frozen=True)
class Cursor:
    sort: SortOrder
    key: SortKey
    last_id: UUID
    # Relevance only: fixed by the first page, so every page ranks the same candidates.
    boundary: RankBoundary | None = None
    # Relevance only: the page ended among the matches older than the boundary, which
    # follow the ranked ones newest first, so the key is a published_at.
    past_boundary: bool = False


def _digest(fingerprint: str) -> str:
    return hashlib.sha256(fingerprint.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def encode_cursor(cursor: Cursor, fingerprint: str) -> str:
    key: Any = cursor.key.isoformat() if isinstance(cursor.key, datetime) else cursor.key
    body: dict[str, Any] = {
        "s": cursor.sort.value,
        "k": key,
        "i": str(cursor.last_id),
        "f": _digest(fingerprint),
    }
    if cursor.boundary is not None:
        body["b"] = [cursor.boundary[0].isoformat(), str(cursor.boundary[1])]
    if cursor.past_boundary:
        body["p"] = True
    raw = json.dumps(body, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str, sort: SortOrder, fingerprint: str) -> Cursor:
    try:
        padded = text + "=" * (-len(text) % 4)
        body = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(body, dict):
            raise CursorInvalid("not a cursor")
        if body.get("f") != _digest(fingerprint) or body.get("s") != sort.value:
            raise CursorInvalid("the cursor belongs to a different search or sort order")
        last_id = UUID(str(body["i"]))
        past_boundary = body.get("p") is True
        boundary = _boundary(body.get("b"))
        if past_boundary and (sort is not SortOrder.RELEVANCE or boundary is None):
            raise CursorInvalid("bad boundary")
        key_sort = SortOrder.NEWEST if past_boundary else sort
        return Cursor(sort, _key(key_sort, body["k"]), last_id, boundary, past_boundary)
    except CursorInvalid:
        raise
    except (
        ValueError,
        KeyError,
        TypeError,
        UnicodeError,
        binascii.Error,
        RecursionError,
        OverflowError,
    ) as exc:
        raise CursorInvalid("not a cursor this service issued") from exc


def _instant(raw: Any) -> datetime:
    if not isinstance(raw, str):
        raise CursorInvalid("bad sort key")
    value = datetime.fromisoformat(raw)
    if value.tzinfo is None:
        raise CursorInvalid("bad sort key")
    return value


def _boundary(raw: Any) -> RankBoundary | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) != 2:
        raise CursorInvalid("bad boundary")
    return _instant(raw[0]), UUID(str(raw[1]))


# Sort keys go into SQL comparisons against BIGINT and double columns: a forged
# cursor's number past their range made PostgreSQL fail the query (a 500).
_MAX_INT_KEY = 2**63 - 1
_MAX_RANK = 1e12


def _key(sort: SortOrder, raw: Any) -> SortKey:
    if sort is SortOrder.NEWEST:
        return _instant(raw)
    if sort is SortOrder.RELEVANCE:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise CursorInvalid("bad sort key")
        if isinstance(raw, int) and abs(raw) > _MAX_RANK:
            raise CursorInvalid("bad sort key")
        rank = float(raw)
        if not math.isfinite(rank) or abs(rank) > _MAX_RANK:
            raise CursorInvalid("bad sort key")
        return rank
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= _MAX_INT_KEY:
        raise CursorInvalid("bad sort key")
    return raw
