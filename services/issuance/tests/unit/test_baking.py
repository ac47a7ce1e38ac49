"""Baking a credential into PNG and SVG badges, and reading it back strictly."""

from __future__ import annotations

import struct
import zlib

import pytest
from issuance.credentials.badge_image import badge_png, badge_svg
from issuance.credentials.baking import (
    PNG_KEYWORD,
    BakingError,
    bake_png,
    bake_svg,
    extract_png,
    extract_svg,
)

CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "urn:uuid:1",
    "name": "Tricky ]]> <name> & \u00e9",
    "proof": {"proofValue": "z3abc"},
}


def _itxt_chunks(png: bytes) -> list[bytes]:
    found, offset = [], 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        if kind == b"iTXt":
            found.append(png[offset + 8 : offset + 8 + length])
        offset += 12 + length
    return found


def test_png_round_trip_is_exact_and_uncompressed() -> None:
    baked = bake_png(badge_png("Data Science", "Acme"), CREDENTIAL)
    assert extract_png(baked) == CREDENTIAL
    (chunk,) = _itxt_chunks(baked)
    keyword, rest = chunk.split(b"\x00", 1)
    assert keyword == PNG_KEYWORD
    assert rest[:2] == b"\x00\x00"  # compression flag and method: not compressed
    assert baked.endswith(b"IEND\xaeB`\x82")


def test_baking_again_replaces_the_credential() -> None:
    once = bake_png(badge_png("Data Science", "Acme"), CREDENTIAL)
    twice = bake_png(once, {**CREDENTIAL, "id": "urn:uuid:2"})
    assert len(_itxt_chunks(twice)) == 1
    assert extract_png(twice)["id"] == "urn:uuid:2"


def test_png_without_or_with_broken_chunks_is_refused() -> None:
    plain = badge_png("Data Science", "Acme")
    with pytest.raises(BakingError, match="no openbadgecredential"):
        extract_png(plain)
    baked = bake_png(plain, CREDENTIAL)
    corrupt = bytearray(baked)
    corrupt[-20] ^= 0xFF  # inside the iTXt data: its CRC no longer matches
    with pytest.raises(BakingError, match=r"CRC|chunk"):
        extract_png(bytes(corrupt))
    with pytest.raises(BakingError, match="not a PNG"):
        extract_png(b"GIF89a")
    with pytest.raises(BakingError):
        extract_png(baked[:-30])


def test_a_compressed_credential_from_another_baker_is_read() -> None:
    text = zlib.compress(b'{"id": "urn:uuid:9"}')
    data = PNG_KEYWORD + b"\x00\x01\x00\x00\x00" + text
    chunk = struct.pack(">I", len(data)) + b"iTXt" + data
    chunk += struct.pack(">I", zlib.crc32(b"iTXt" + data))
    plain = badge_png("X", "Y")
    baked = plain[:-12] + chunk + plain[-12:]
    assert extract_png(baked) == {"id": "urn:uuid:9"}


def test_svg_round_trip_keeps_the_credential_first() -> None:
    baked = bake_svg(badge_svg("Data <Science>", "Acme & Co"), CREDENTIAL)
    assert extract_svg(baked) == CREDENTIAL
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in baked
    assert baked.index("<openbadges:credential>") < baked.index("<title>")
    assert "]]\\u003e" in baked  # the CDATA section is not ended early


def test_svg_with_entities_or_without_credential_is_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>'
        '<svg xmlns="http://www.w3.org/2000/svg">&a;</svg>'
    )
    with pytest.raises(BakingError, match="not a readable SVG"):
        extract_svg(bomb)
    with pytest.raises(BakingError, match="no openbadges:credential"):
        extract_svg(badge_svg("X", "Y"))
    with pytest.raises(BakingError, match="not an SVG"):
        extract_svg('<html xmlns="http://www.w3.org/1999/xhtml"/>')
