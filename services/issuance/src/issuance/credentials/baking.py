"""Baked badges: an image that carries its own signed credential (Open Badges 3.0, section 5.3).

PNG: one uncompressed ``iTXt`` chunk with the keyword ``openbadgecredential`` before ``IEND``.
SVG: an ``<openbadges:credential>`` element (namespace ``https://purl.imsglobal.org/ob/v3p0``)
as the first child of the root, the credential JSON in CDATA.

Extraction reads files anyone can upload, so it is strict: chunk lengths and CRCs are checked,
SVGs are parsed with DTDs and entities refused, and every failure is a ``BakingError``.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator, Mapping
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_CREDENTIAL_TAG = f"{{{OB3_NAMESPACE}}}credential"


class BakingError(ValueError):
    """The image is not a badge we can bake into, or carries no readable credential."""


def _credential_text(credential: Mapping[str, Any]) -> str:
    return json.dumps(credential, ensure_ascii=False, separators=(",", ":"))


# -- PNG ------------------------------------------------------------------------------------


def _chunks(png: bytes) -> Iterator[tuple[bytes, bytes, int, int]]:
    """(type, data, start, end) of each chunk, lengths and CRCs checked."""
    if not png.startswith(PNG_SIGNATURE):
        raise BakingError("not a PNG file")
    offset = len(PNG_SIGNATURE)
    while offset < len(png):
        if offset + 8 > len(png):
            raise BakingError("truncated PNG chunk header")
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        end = offset + 12 + length
        if length > 2**31 - 1 or end > len(png):
            raise BakingError("PNG chunk runs past the end of the file")
        data = png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[end - 4 : end])
        if zlib.crc32(kind + data) != crc:
            raise BakingError(f"PNG chunk {kind!r} has a bad CRC")
        yield kind, data, offset, end
        if kind == b"IEND":
            return
        offset = end
    raise BakingError("PNG has no IEND chunk")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _is_credential_chunk(kind: bytes, data: bytes) -> bool:
    return kind == b"iTXt" and data.split(b"\x00", 1)[0] == PNG_KEYWORD


def bake_png(png: bytes, credential: Mapping[str, Any]) -> bytes:
    """``png`` with ``credential`` embedded, replacing any credential it carried."""
    # keyword NUL, compression flag 0 (the spec forbids compressing it), method 0,
    # empty language tag NUL, empty translated keyword NUL, UTF-8 text.
    payload = PNG_KEYWORD + b"\x00\x00\x00\x00\x00" + _credential_text(credential).encode()
    kept: list[bytes] = []
    for kind, data, start, end in _chunks(png):
        if kind == b"IEND":
            kept.append(_chunk(b"iTXt", payload))
        if not _is_credential_chunk(kind, data):
            kept.append(png[start:end])
    return PNG_SIGNATURE + b"".join(kept)


def extract_png(png: bytes) -> dict[str, Any]:
    """The credential a baked PNG carries."""
    found = [data for kind, data, _, _ in _chunks(png) if _is_credential_chunk(kind, data)]
    if not found:
        raise BakingError("the PNG carries no openbadgecredential iTXt chunk")
    if len(found) > 1:
        raise BakingError("the PNG carries more than one openbadgecredential chunk")
    keyword_end = found[0].index(b"\x00")
    flag_and_method = found[0][keyword_end + 1 : keyword_end + 3]
    language_and_translation = found[0][keyword_end + 3 :].split(b"\x00", 2)
    if len(flag_and_method) != 2 or len(language_and_translation) != 3:
        raise BakingError("malformed iTXt chunk")
    text = language_and_translation[2]
    if flag_and_method[0] == 1:
        # Other bakers may compress; reading it back is harmless, bounded by the upload size.
        decompressor = zlib.decompressobj()
        text = decompressor.decompress(text, 4 * len(png) + 65536)
        if decompressor.unconsumed_tail:
            raise BakingError("compressed credential expands too far")
    return _parse_credential(text.decode("utf-8", errors="strict"))


# -- SVG ------------------------------------------------------------------------------------


def _cdata(text: str) -> str:
    # "]]>" would end the section early; JSON lets us escape ">" instead.
    return "<![CDATA[" + text.replace("]]>", "]]\\u003e") + "]]>"


def bake_svg(svg: str, credential: Mapping[str, Any]) -> str:
    """``svg`` with ``credential`` as the first child of its root element.

    Only SVGs this service drew are baked (badge_image), so a textual insertion after the
    root's start tag is exact; the result is checked by parsing it back.
    """
    root_start = svg.find("<svg")
    tag_end = svg.find(">", root_start)
    if root_start < 0 or tag_end < 0:
        raise BakingError("not an SVG document")
    start_tag = svg[root_start:tag_end]
    if "xmlns:openbadges" not in start_tag:
        start_tag += f' xmlns:openbadges="{OB3_NAMESPACE}"'
    text = _cdata(_credential_text(credential))
    element = f"<openbadges:credential>{text}</openbadges:credential>"
    baked = svg[:root_start] + start_tag + ">" + element + svg[tag_end + 1 :]
    extract_svg(baked)
    return baked


def _svg_root(svg: str | bytes) -> Element:
    try:
        root = safe_xml.fromstring(svg, forbid_dtd=True)
    except (DefusedXmlException, SyntaxError) as exc:
        raise BakingError(f"not a readable SVG document: {exc}") from None
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise BakingError("the root element is not an SVG <svg>")
    return root


def extract_svg(svg: str | bytes) -> dict[str, Any]:
    """The credential a baked SVG carries."""
    root = _svg_root(svg)
    found = root.findall(_CREDENTIAL_TAG)
    if not found:
        raise BakingError("the SVG carries no openbadges:credential element")
    if len(found) > 1:
        raise BakingError("the SVG carries more than one openbadges:credential element")
    element = found[0]
    if element.get("verify") is not None:
        raise BakingError("JWT-baked credentials (verify attribute) are not supported here")
    return _parse_credential(element.text or "")


def _parse_credential(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise BakingError("the embedded credential is not JSON") from None
    if not isinstance(document, dict):
        raise BakingError("the embedded credential is not a JSON object")
    return document
