"""did:web identifiers and DID documents for issuers.

Each issuer is ``did:web:<host>:issuers:<issuer id>``; its DID document lists
every Multikey the issuer has ever signed with, all under ``assertionMethod``.
Rotation adds a key and switches signing to it; old keys stay so credentials
signed before the rotation still verify. A key that must stop verifying (it
leaked) is removed from the document instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from issuance.credentials.document_loader import DID_V1, MULTIKEY_V1
from issuance.credentials.keys import MultikeyError, decode_public_key_multibase

__all__ = [
    "DidResolutionError",
    "IssuerKey",
    "assertion_public_key",
    "build_did_document",
    "did_document_url",
    "issuer_did",
    "resolve_did_web",
]

Fetch = Callable[[str], bytes]
"""Returns the body fetched from a URL (raise on HTTP errors)."""

_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})


class DidResolutionError(LookupError):
    """The DID could not be resolved, or its document does not authorise the key."""


def issuer_did(public_base_url: str, issuer_id: str) -> str:
    """``did:web`` of an issuer served under ``public_base_url``.

    ``https://example.com`` + ``abc`` -> ``did:web:example.com:issuers:abc``;
    a port's colon is percent-encoded (``did:web:localhost%3A8004:issuers:abc``),
    and a base path becomes further ``:``-separated segments.
    """
    parts = urlsplit(public_base_url)
    if not parts.hostname:
        raise ValueError(f"not an absolute URL: {public_base_url!r}")
    host = quote(parts.netloc.rsplit("@", 1)[-1], safe="[]")
    path_segments = [quote(seg, safe="") for seg in parts.path.split("/") if seg]
    segments = [host, *path_segments, "issuers", quote(issuer_id, safe="")]
    return "did:web:" + ":".join(segments)


def did_document_url(did: str, *, scheme: str | None = None) -> str:
    """The URL a ``did:web`` resolves to (did:web spec, "Read").

    The spec mandates https. ``scheme`` overrides it (the service passes the
    scheme of its public base URL so dev/test on ``http://127.0.0.1`` works);
    without an override, loopback hosts resolve over http.
    """
    if not did.startswith("did:web:"):
        raise DidResolutionError(f"not a did:web: {did!r}")
    segments = did.removeprefix("did:web:").split(":")
    if any(not s for s in segments):
        raise DidResolutionError(f"malformed did:web: {did!r}")
    host = unquote(segments[0])
    if "/" in host or "@" in host:
        raise DidResolutionError(f"malformed did:web host: {host!r}")
    path = "/".join(segments[1:])
    if scheme is None:
        bare_host = "[::1]" if host.startswith("[::1]") else host.split(":")[0]
        scheme = "http" if bare_host in _LOCAL_HOSTS else "https"
    suffix = f"/{path}/did.json" if path else "/.well-known/did.json"
    return f"{scheme}://{host}{suffix}"


@dataclass(frozen=True)
class IssuerKey:
    """One published verification key of an issuer."""

    key_id: str
    """Fragment naming the key inside the DID document (``<did>#<key_id>``)."""
    public_key_multibase: str


def build_did_document(did: str, keys: Iterable[IssuerKey]) -> dict[str, Any]:
    """The DID document for ``did`` publishing ``keys`` (all current and former keys)."""
    methods = [
        {
            "id": f"{did}#{key.key_id}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.public_key_multibase,
        }
        for key in keys
    ]
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def resolve_did_web(did: str, fetch: Fetch, *, scheme: str | None = None) -> dict[str, Any]:
    """Fetch and sanity-check the DID document of a ``did:web``.

    ``fetch`` does the I/O; any exception from it becomes :class:`DidResolutionError`.
    """
    url = did_document_url(did, scheme=scheme)
    try:
        body = fetch(url)
    except Exception as exc:
        raise DidResolutionError(f"fetching {url} failed: {exc}") from exc
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise DidResolutionError(f"{url} is not JSON") from exc
    if not isinstance(document, dict) or document.get("id") != did:
        raise DidResolutionError(f"{url} does not describe {did}")
    return document


def assertion_public_key(did_document: Mapping[str, Any], method_id: str) -> Ed25519PublicKey:
    """The Ed25519 key ``method_id`` if the document authorises it for assertions.

    The method must be controlled by the document's DID, listed (by reference or
    embedded) in ``assertionMethod``, and be a Multikey with an Ed25519 key.
    """
    did = did_document.get("id")
    if not isinstance(did, str) or not method_id.startswith(did + "#"):
        raise DidResolutionError(f"{method_id} does not belong to {did}")
    referenced = _as_list(did_document.get("assertionMethod"))
    embedded = {m["id"]: m for m in referenced if isinstance(m, dict) and "id" in m}
    listed = {m for m in referenced if isinstance(m, str)} | set(embedded)
    if _absolute(method_id, did) not in {_absolute(m, did) for m in listed}:
        raise DidResolutionError(f"{method_id} is not an assertionMethod of {did}")
    candidates = [
        m
        for m in [*_as_list(did_document.get("verificationMethod")), *embedded.values()]
        if isinstance(m, dict) and _absolute(str(m.get("id", "")), did) == method_id
    ]
    if not candidates:
        raise DidResolutionError(f"{method_id} is not in the DID document")
    method = candidates[0]
    if method.get("controller") != did:
        raise DidResolutionError(f"{method_id} is not controlled by {did}")
    if method.get("type") != "Multikey":
        raise DidResolutionError(f"{method_id} is not a Multikey")
    try:
        return decode_public_key_multibase(str(method.get("publicKeyMultibase", "")))
    except MultikeyError as exc:
        raise DidResolutionError(f"{method_id}: {exc}") from exc


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _absolute(method_id: str, did: str) -> str:
    # DID documents may use relative references such as "#key-1".
    return did + method_id if method_id.startswith("#") else method_id
