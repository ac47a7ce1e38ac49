"""W3C Bitstring Status List v1.0: revocation bits, entries and list credentials.

A credential names one bit in a published list; setting the bit revokes it.
Lists have at least 131,072 entries (16 KB) and indexes are allocated at
random, as the spec recommends, so a list reveals nothing about which or how
many credentials an issuer revoked (group privacy).
"""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

from issuance.credentials.document_loader import VC_V2
from issuance.credentials.signing import format_datetime

__all__ = [
    "MIN_ENTRIES",
    "StatusList",
    "StatusListError",
    "allocate_index",
    "build_status_entry",
    "build_status_list_credential",
    "entry_index",
]

MIN_ENTRIES = 131_072
"""Spec minimum list length in bits (16 KB), chosen for herd privacy."""

REVOCATION = "revocation"


class StatusListError(ValueError):
    """A status list or entry is malformed, or an index is out of range."""


class StatusList:
    """A mutable bitstring; index 0 is the most significant bit of the first byte."""

    __slots__ = ("_bits",)

    def __init__(self, size: int = MIN_ENTRIES) -> None:
        """An all-zero list of ``size`` entries (a multiple of 8, at least 131,072)."""
        if size < MIN_ENTRIES or size % 8:
            raise StatusListError(f"size must be a multiple of 8 and >= {MIN_ENTRIES}")
        self._bits = bytearray(size // 8)

    @property
    def size(self) -> int:
        """Number of entries."""
        return len(self._bits) * 8

    def get(self, index: int) -> bool:
        """Whether the bit at ``index`` is set."""
        self._check(index)
        return bool(self._bits[index // 8] & (0x80 >> (index % 8)))

    def set(self, index: int, value: bool = True) -> None:
        """Set (or clear) the bit at ``index``."""
        self._check(index)
        mask = 0x80 >> (index % 8)
        if value:
            self._bits[index // 8] |= mask
        else:
            self._bits[index // 8] &= ~mask & 0xFF

    def _check(self, index: int) -> None:
        if not 0 <= index < self.size:
            raise StatusListError(f"index {index} outside 0..{self.size - 1}")

    def to_bytes(self) -> bytes:
        """The raw bitstring."""
        return bytes(self._bits)

    def encode(self) -> str:
        """``encodedList``: multibase ``u`` + base64url (no padding) of the GZIP'd bitstring."""
        # mtime=0 keeps the output a pure function of the bits.
        compressed = gzip.compress(bytes(self._bits), mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, encoded_list: str, *, max_bytes: int = 16 * 1024 * 1024) -> StatusList:
        """Parse an ``encodedList``; ``max_bytes`` bounds decompression (zip bombs)."""
        if not encoded_list.startswith("u"):
            raise StatusListError("encodedList must be multibase base64url ('u' prefix)")
        body = encoded_list[1:]
        try:
            compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing
            bits = inflater.decompress(compressed, max_bytes + 1)
        except (ValueError, zlib.error) as exc:
            raise StatusListError(f"encodedList is not gzip'd base64url: {exc}") from exc
        if len(bits) > max_bytes:
            raise StatusListError("encodedList decompresses beyond the size limit")
        if len(bits) * 8 < MIN_ENTRIES:
            raise StatusListError(f"status list shorter than {MIN_ENTRIES} entries")
        status_list = cls.__new__(cls)
        status_list._bits = bytearray(bits)
        return status_list


def allocate_index(
    used: Collection[int], randbelow: Callable[[int], int], size: int = MIN_ENTRIES
) -> int:
    """A random index in ``0..size-1`` not in ``used``.

    ``randbelow`` is the random source (``secrets.randbelow`` in production, a
    seeded ``random.Random().randrange`` in tests). Raises
    :class:`StatusListError` when the list is full (start a new list).
    """
    if len(used) >= size:
        raise StatusListError("status list is full")
    for _ in range(64):
        candidate = randbelow(size)
        if candidate not in used:
            return candidate
    # Nearly full: a linear probe from a random start still terminates and stays unpredictable.
    start = randbelow(size)
    for offset in range(size):
        candidate = (start + offset) % size
        if candidate not in used:
            return candidate
    raise StatusListError("status list is full")


def build_status_entry(list_url: str, index: int, purpose: str = REVOCATION) -> dict[str, Any]:
    """The ``credentialStatus`` (``BitstringStatusListEntry``) pointing at bit ``index``."""
    if index < 0:
        raise StatusListError("index must be non-negative")
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def build_status_list_credential(
    *,
    list_url: str,
    issuer: str,
    status_list: StatusList,
    valid_from: datetime,
    purpose: str = REVOCATION,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential`` served at ``list_url``.

    Sign it with the issuer's current key (:func:`signing.sign`) so verifiers
    can tell the list is the issuer's.
    """
    credential: dict[str, Any] = {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": format_datetime(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = format_datetime(valid_until)
    credential["credentialSubject"] = {
        "id": f"{list_url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": status_list.encode(),
    }
    return credential


def entry_index(entry: Mapping[str, Any]) -> int:
    """The bit index named by a ``BitstringStatusListEntry``; :class:`StatusListError` if bad."""
    raw = entry.get("statusListIndex")
    if not isinstance(raw, str) or not raw.isdigit():
        raise StatusListError("statusListIndex must be a string of digits")
    return int(raw)
