"""Bitstring Status List encoding, entries and allocation."""

from __future__ import annotations

import base64
import gzip
import random

import pytest
from issuance.credentials import status_list
from issuance.credentials.canonical import canonicalize
from issuance.credentials.status_list import MIN_ENTRIES, StatusList, StatusListError


def test_default_list_has_spec_minimum_size() -> None:
    assert StatusList().size == MIN_ENTRIES == 131_072
    raw = gzip.decompress(base64.urlsafe_b64decode(StatusList().encode()[1:] + "=="))
    assert len(raw) == 16 * 1024


def test_bit_order_is_msb_first() -> None:
    bits = StatusList()
    bits.set(0)
    bits.set(9)
    assert bits.to_bytes()[:2] == bytes([0b1000_0000, 0b0100_0000])
    assert bits.get(0)
    assert bits.get(9)
    assert not bits.get(1)
    bits.set(0, False)
    assert not bits.get(0)


def test_encode_decode_round_trip() -> None:
    bits = StatusList()
    rng = random.Random(7)
    chosen = {rng.randrange(MIN_ENTRIES) for _ in range(500)}
    for index in chosen:
        bits.set(index)
    encoded = bits.encode()
    assert encoded.startswith("u")
    assert "=" not in encoded
    decoded = StatusList.decode(encoded)
    assert decoded.size == MIN_ENTRIES
    assert {i for i in range(MIN_ENTRIES) if decoded.get(i)} == chosen


def test_decode_rejects_bad_input() -> None:
    with pytest.raises(StatusListError):
        StatusList.decode("zabc")
    with pytest.raises(StatusListError):
        StatusList.decode("u" + base64.urlsafe_b64encode(gzip.compress(b"\0" * 10)).decode())
    with pytest.raises(StatusListError, match="size limit"):
        StatusList.decode(StatusList(MIN_ENTRIES * 8).encode(), max_bytes=16 * 1024)
    with pytest.raises(StatusListError):
        StatusList().get(MIN_ENTRIES)


def test_allocate_index_avoids_used() -> None:
    used = set(range(MIN_ENTRIES - 1))
    free = status_list.allocate_index(used, random.Random(1).randrange)
    assert free == MIN_ENTRIES - 1
    with pytest.raises(StatusListError, match="full"):
        status_list.allocate_index(set(range(MIN_ENTRIES)), random.Random(1).randrange)
    indexes = {status_list.allocate_index(set(), random.Random(i).randrange) for i in range(20)}
    assert len(indexes) > 15


def test_entry_and_list_credential_shapes() -> None:
    url = "https://x.example/issuers/a/status/1"
    entry = status_list.build_status_entry(url, 42)
    assert entry == {
        "id": f"{url}#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": url,
    }
    from datetime import UTC, datetime

    credential = status_list.build_status_list_credential(
        list_url=url,
        issuer="did:web:x.example:issuers:a",
        status_list=StatusList(),
        valid_from=datetime(2025, 1, 1, tzinfo=UTC),
    )
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["credentialSubject"]["id"] == f"{url}#list"
    assert "encodedList" in canonicalize(credential) or "status#encodedList" in canonicalize(
        credential
    )
