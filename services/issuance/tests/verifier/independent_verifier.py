"""An independent Open Badges 3.0 verifier, written from the specs alone.

It shares no code with ``issuance`` on purpose: if the service and this file
agree on a credential, two readings of the specs agree, not one reading with
itself. It uses only ``cryptography``, ``pyld``, ``base58`` and ``jsonschema``,
and reads the vendored context files and schema as data.

Specs followed:
- W3C Data Integrity EdDSA Cryptosuites v1.0, eddsa-rdfc-2022 (verify proof)
- W3C did:web method (resolve), W3C Controlled Identifiers (Multikey)
- W3C Bitstring Status List v1.0 (revocation)
- 1EdTech Open Badges 3.0 (JSON Schema, structure)

All network access goes through the ``fetch(url) -> bytes`` callable passed in,
so unit tests use an in-memory dict and end-to-end tests real HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jsonschema import Draft201909Validator  # type: ignore[import-untyped]
from pyld import jsonld
from pyld.context_resolver import ContextResolver

Fetch = Callable[[str], bytes]

CONTEXT_DIR = Path(__file__).resolve().parents[2] / "src" / "issuance" / "contexts"
CONTEXT_URLS = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "ob-context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "ob-context-3.0.1.json",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
}
SCHEMA_FILE = CONTEXT_DIR / "ob_v3p0_achievementcredential_schema.json"


class Loader:
    """pyld document loader over local files only, with its own context cache."""

    def __init__(self, extra: Mapping[str, Any] | None = None) -> None:
        self.docs: dict[str, Any] = {
            url: json.loads((CONTEXT_DIR / name).read_text("utf-8"))
            for url, name in CONTEXT_URLS.items()
        }
        self.docs.update(extra or {})
        self.cache: dict[Any, Any] = {}

    def __call__(self, url: str, options: Any = None) -> dict[str, Any]:
        if url not in self.docs:
            raise ValueError(f"refusing to load {url}")
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": self.docs[url],
            "contentType": "application/ld+json",
            "tag": "static",
        }

    def canonize(self, document: Mapping[str, Any]) -> str:
        """RDFC-1.0 N-Quads; raises if JSON-LD would silently drop anything."""
        dropped: list[str] = []
        processor = jsonld.JsonLdProcessor(on_property_dropped=lambda t: dropped.append(str(t)))
        options = {
            "documentLoader": self,
            "contextResolver": ContextResolver(self.cache, self),
            "base": None,
        }
        expanded = processor.expand(dict(document), options)
        if dropped:
            raise ValueError(f"undefined terms: {dropped}")
        _check_iris(expanded)
        result: str = processor.normalize(
            expanded, {**options, "algorithm": "URDNA2015", "format": "application/n-quads"}
        )
        return result


def _check_iris(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _check_iris(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("@id", "@type"):
                for iri in value if isinstance(value, list) else [value]:
                    if isinstance(iri, str) and ":" not in iri and not iri.startswith("@"):
                        raise ValueError(f"undefined or relative IRI {iri!r}")
            elif key != "@value":
                _check_iris(value)


@dataclass
class Report:
    """Per-check outcome; ``status`` is valid / revoked / expired / invalid."""

    checks: dict[str, tuple[bool, str]] = field(default_factory=dict)
    revoked: bool = False
    expired: bool = False

    def add(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks[name] = (ok, detail)
        return ok

    @property
    def valid(self) -> bool:
        return all(ok for ok, _ in self.checks.values())

    @property
    def status(self) -> str:
        if self.valid:
            return "valid"
        integrity = all(ok for n, (ok, _) in self.checks.items() if n not in ("dates", "status"))
        if integrity and self.revoked:
            return "revoked"
        if integrity and self.expired and self.checks.get("status", (True, ""))[0]:
            return "expired"
        return "invalid"


def multikey_to_public_key(value: str) -> Ed25519PublicKey:
    """Multikey publicKeyMultibase: 'z' + base58btc(0xed 0x01 + 32 bytes)."""
    if not value.startswith("z"):
        raise ValueError("publicKeyMultibase must be base58btc")
    raw = base58.b58decode(value[1:])
    if raw[:2] != b"\xed\x01" or len(raw) != 34:
        raise ValueError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def verify_proof(document: Mapping[str, Any], key: Ed25519PublicKey, loader: Loader) -> None:
    """eddsa-rdfc-2022 proof verification (vc-di-eddsa 3.2.2); raises on failure."""
    proof = document["proof"]
    if isinstance(proof, list):
        (proof,) = proof
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != "eddsa-rdfc-2022":
        raise ValueError("not an eddsa-rdfc-2022 DataIntegrityProof")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    options["@context"] = unsecured["@context"]
    proof_hash = hashlib.sha256(loader.canonize(options).encode()).digest()
    doc_hash = hashlib.sha256(loader.canonize(unsecured).encode()).digest()
    value = proof["proofValue"]
    if not value.startswith("z"):
        raise ValueError("proofValue must be base58btc")
    try:
        key.verify(base58.b58decode(value[1:]), proof_hash + doc_hash)
    except InvalidSignature as exc:
        raise ValueError("bad signature") from exc


def did_web_url(did: str, scheme: str) -> str:
    """did:web 'Read': colons to slashes, percent-decoding, /did.json or /.well-known."""
    parts = did.split(":")
    if parts[:2] != ["did", "web"] or len(parts) < 3:
        raise ValueError(f"not did:web: {did}")
    host = unquote(parts[2])
    path = "/".join(unquote(p) for p in parts[3:])
    return (
        f"{scheme}://{host}/{path}/did.json" if path else f"{scheme}://{host}/.well-known/did.json"
    )


def resolve_key(did: str, method: str, fetch: Fetch, scheme: str) -> Ed25519PublicKey:
    """Key for ``method`` from the did:web document, if it is an assertionMethod."""
    document = json.loads(fetch(did_web_url(did, scheme)))
    if document.get("id") != did:
        raise ValueError("DID document id mismatch")
    if not method.startswith(did + "#"):
        raise ValueError("verification method is not the issuer's")
    assertion = [m if isinstance(m, str) else m.get("id") for m in document["assertionMethod"]]
    assertion = [did + m if m.startswith("#") else m for m in assertion]
    if method not in assertion:
        raise ValueError("not an assertionMethod")
    for vm in document.get("verificationMethod", []):
        vm_id = did + vm["id"] if vm["id"].startswith("#") else vm["id"]
        if vm_id == method and vm.get("controller") == did:
            return multikey_to_public_key(vm["publicKeyMultibase"])
    raise ValueError("verification method not found")


def status_bit(encoded_list: str, index: int) -> bool:
    """Bitstring Status List: 'u' base64url, GZIP, bit 0 = MSB of byte 0."""
    if not encoded_list.startswith("u"):
        raise ValueError("encodedList must be multibase base64url")
    body = encoded_list[1:]
    raw = zlib.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)), 31)
    if len(raw) * 8 < 131_072:
        raise ValueError("status list too short")
    return bool(raw[index // 8] >> (7 - index % 8) & 1)


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def verify(
    credential: Mapping[str, Any],
    fetch: Fetch,
    *,
    now: datetime | None = None,
    scheme: str = "https",
    loader: Loader | None = None,
) -> Report:
    """Verify an OB 3.0 credential; ``scheme`` is for did:web on plain-http test servers."""
    loader = loader or Loader()
    now = now or datetime.now(UTC)
    report = Report()
    types = credential.get("type", [])
    report.add(
        "structure",
        credential.get("@context", [None])[0] == "https://www.w3.org/ns/credentials/v2"
        and "VerifiableCredential" in types
        and ("OpenBadgeCredential" in types or "AchievementCredential" in types),
    )
    schema = json.loads(SCHEMA_FILE.read_text("utf-8"))
    errors = [e.message for e in Draft201909Validator(schema).iter_errors(dict(credential))]
    report.add("schema", not errors, "; ".join(errors[:3]))

    # Untrusted JSON of any shape: a wrong one fails its check below, inside try.
    issuer = credential.get("issuer")
    did: Any = issuer.get("id") if isinstance(issuer, dict) else issuer
    proofs = credential.get("proof")
    proof: Any = proofs[0] if isinstance(proofs, list) and proofs else proofs
    key: Ed25519PublicKey | None = None
    try:
        key = resolve_key(str(did), str(proof["verificationMethod"]), fetch, scheme)
        report.add("issuer_key", True)
    except Exception as exc:
        report.add("issuer_key", False, str(exc))
    if key is None:
        report.add("signature", False, "no key")
    else:
        try:
            verify_proof(credential, key, loader)
            report.add("signature", True)
        except Exception as exc:
            report.add("signature", False, str(exc))

    if _time(credential["validFrom"]) > now:
        report.add("dates", False, "not yet valid")
    elif "validUntil" in credential and _time(credential["validUntil"]) <= now:
        report.expired = True
        report.add("dates", False, "expired")
    else:
        report.add("dates", True)

    entry = credential.get("credentialStatus")
    if entry is None:
        report.add("status", True, "no status")
        return report
    try:
        list_credential = json.loads(fetch(entry["statusListCredential"]))
        list_issuer = list_credential["issuer"]
        list_issuer = list_issuer.get("id") if isinstance(list_issuer, dict) else list_issuer
        if list_issuer != did:
            raise ValueError("status list from another issuer")
        list_proof = list_credential["proof"]
        list_proof = list_proof[0] if isinstance(list_proof, list) else list_proof
        list_key = resolve_key(did, list_proof["verificationMethod"], fetch, scheme)
        verify_proof(list_credential, list_key, loader)
        subject = list_credential["credentialSubject"]
        if subject["statusPurpose"] != entry["statusPurpose"]:
            raise ValueError("status purpose mismatch")
        report.revoked = status_bit(subject["encodedList"], int(entry["statusListIndex"]))
        report.add("status", not report.revoked, "revoked" if report.revoked else "not revoked")
    except Exception as exc:
        report.add("status", False, f"status unavailable: {exc}")
    return report
