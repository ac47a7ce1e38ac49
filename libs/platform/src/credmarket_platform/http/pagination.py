"""Cursor pagination, the one way every list pages (docs/api-style.md, ADR 0025).

A list takes ``limit`` and ``cursor`` and answers ``{"items": [...], "next_cursor": ...}``;
``next_cursor`` is null on the last page. The cursor is opaque to clients: the position
after the page's last item (its sort key) and the list's scope (a hash of the filters),
so a cursor from one list is refused by another rather than silently skipping items.
Keyset positions, not offsets: a page stays right while items are added in front.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from fastapi import Query

from credmarket_platform.http import problem_types
from credmarket_platform.http.problems import ProblemError

MAX_CURSOR_LENGTH = 512
CURSOR_DESCRIPTION = "`next_cursor` of the previous page; omit for the first page."
NEXT_CURSOR_DESCRIPTION = "Pass as `cursor` for the next page; null on the last page."


def limit_query(default: int = 20, maximum: int = 100) -> Any:
    return Query(default=default, ge=1, le=maximum, description="Items per page.")


def cursor_query() -> Any:
    return Query(default=None, max_length=MAX_CURSOR_LENGTH, description=CURSOR_DESCRIPTION)


def scope_of(*filters: object) -> str:
    return hashlib.sha256(repr(filters).encode()).hexdigest()[:16]


def encode_cursor(position: Sequence[str], scope: str) -> str:
    raw = json.dumps({"p": list(position), "s": scope}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, scope: str, *, size: int) -> list[str]:
    """The position in ``cursor``; a 422 invalid-request if it is not one of this list's."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        position = data["p"]
        ok = (
            isinstance(position, list)
            and len(position) == size
            and all(isinstance(v, str) for v in position)
            and data.get("s") == scope
        )
    except (ValueError, TypeError, KeyError):
        ok = False
    if not ok:
        raise invalid_cursor()
    return [str(v) for v in position]


def invalid_cursor() -> ProblemError:
    return ProblemError(
        422,
        detail="the cursor is not one this list gave (or the filters changed)",
        type_=problem_types.INVALID_REQUEST.type,
        errors=[{"field": "query.cursor", "message": "invalid cursor", "type": "cursor"}],
    )
