"""Which of an issuer's keys signs, and what the next one is called."""

from __future__ import annotations

import re
from collections.abc import Iterable

_KEY_ID = re.compile(r"^key-(\d+)\Z")


def next_key_id(existing: Iterable[str]) -> str:
    """``key-<n+1>`` after the highest ``key-<n>``; ``key-1`` for a new issuer.

    Ids are never reused: a fragment in a DID document must keep naming the same
    key, or old credentials would point at a different key.
    """
    highest = 0
    for key_id in existing:
        match = _KEY_ID.match(key_id)
        if match:
            highest = max(highest, int(match.group(1)))
    return f"key-{highest + 1}"


def wrap_context(issuer_id: str, key_id: str) -> bytes:
    """Authenticated context binding a wrapped private key to its own record."""
    return f"issuance/{issuer_id}#{key_id}".encode()
