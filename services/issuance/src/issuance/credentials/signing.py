"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite.

Implements W3C "Data Integrity EdDSA Cryptosuites v1.0", section 3.2
(eddsa-rdfc-2022): canonicalise the proof configuration (proof options plus the
document's ``@context``) and the unsecured document with RDFC-1.0, hash both
with SHA-256, sign ``proofHash || documentHash`` with Ed25519 and encode the
signature as multibase base58btc. Ed25519 is deterministic, so the published
test vectors reproduce byte for byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld.jsonld import JsonLdError

from issuance.credentials.canonical import UndefinedTermError, canonicalize
from issuance.credentials.document_loader import LocalDocumentLoader
from issuance.credentials.proven_proofs import proven_proofs
from issuance.credentials.results import Check

__all__ = [
    "CRYPTOSUITE",
    "PROOF_TYPE",
    "ProofError",
    "ProofVerification",
    "format_datetime",
    "hash_data",
    "sign",
    "verify",
]

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"

ResolveKey = Callable[[str], Ed25519PublicKey]
"""Maps a proof's ``verificationMethod`` to the public key it names (raise if unknown)."""


class ProofError(ValueError):
    """The document cannot be signed (undefined terms, bad JSON-LD, already signed)."""


def format_datetime(moment: datetime) -> str:
    """XML Schema dateTime in UTC with second precision and ``Z``, as VC examples use."""
    if moment.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def hash_data(
    unsecured_document: Mapping[str, Any],
    proof_options: Mapping[str, Any],
    loader: LocalDocumentLoader | None = None,
) -> bytes:
    """``SHA-256(canonical proof config) || SHA-256(canonical document)`` (64 bytes).

    ``proof_options`` is the proof without ``proofValue``; the document's
    ``@context`` is applied to it as the spec's proof configuration step requires.
    """
    proof_config = {k: v for k, v in proof_options.items() if k not in ("proofValue", "@context")}
    proof_config["@context"] = unsecured_document.get("@context")
    proof_hash = hashlib.sha256(canonicalize(proof_config, loader).encode("utf-8")).digest()
    doc_hash = hashlib.sha256(canonicalize(unsecured_document, loader).encode("utf-8")).digest()
    return proof_hash + doc_hash


def sign(
    document: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    *,
    created: datetime | None = None,
    proof_purpose: str = "assertionMethod",
    proof_as_array: bool = False,
    loader: LocalDocumentLoader | None = None,
) -> dict[str, Any]:
    """Return a copy of ``document`` with an eddsa-rdfc-2022 ``proof`` added.

    ``proof_as_array`` wraps the proof in a one-element list, the shape the
    OB 3.0 JSON Schema requires (the RDF, hence the signature, is the same).

    ``verification_method`` is the full key URL (``did:web:...#key-1``).
    ``created`` defaults to now. Raises :class:`ProofError` if the document
    already has a proof, uses a term its contexts do not define, or is not
    valid JSON-LD for the vendored contexts; nothing is signed in that case.
    """
    if "proof" in document:
        raise ProofError("document already carries a proof")
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": format_datetime(created or datetime.now(UTC)),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    try:
        data = hash_data(document, proof, loader)
    except UndefinedTermError as exc:
        raise ProofError(str(exc)) from exc
    except JsonLdError as exc:
        raise ProofError(f"not valid JSON-LD: {_root_cause(exc)}") from exc
    proof["proofValue"] = "z" + base58.b58encode(private_key.sign(data)).decode("ascii")
    return {**document, "proof": [proof] if proof_as_array else proof}


@dataclass(frozen=True)
class ProofVerification:
    """Outcome of :func:`verify`: ``verification_method`` is set once it was read."""

    valid: bool
    checks: list[Check]
    verification_method: str | None = None


def verify(
    document: Mapping[str, Any],
    resolve_key: ResolveKey,
    *,
    expected_purpose: str = "assertionMethod",
    loader: LocalDocumentLoader | None = None,
) -> ProofVerification:
    """Check the eddsa-rdfc-2022 proof of ``document``.

    Checks, in order: ``proof_format`` (one DataIntegrityProof with this
    cryptosuite, purpose and a base58btc proofValue), ``verification_key``
    (``resolve_key`` returned a key), ``canonicalization`` (the document is
    JSON-LD with only defined terms) and ``signature`` (Ed25519 over the hashes).
    Never raises for bad input; every failure is a failed check.
    """
    checks: list[Check] = []

    def fail(name: str, detail: str, method: str | None = None) -> ProofVerification:
        checks.append(Check(name, False, detail))
        return ProofVerification(False, checks, method)

    proof = document.get("proof")
    if isinstance(proof, list):
        if len(proof) != 1:
            return fail("proof_format", "exactly one proof is supported")
        proof = proof[0]
    if not isinstance(proof, dict):
        return fail("proof_format", "no proof")
    problem = _proof_format_problem(proof, expected_purpose)
    if problem:
        return fail("proof_format", problem)
    method = str(proof["verificationMethod"])
    try:
        signature = base58.b58decode(str(proof["proofValue"])[1:])
    except ValueError:
        return fail("proof_format", "proofValue is not base58btc", method)
    if len(signature) != 64:
        return fail("proof_format", "proofValue is not a 64-byte Ed25519 signature", method)
    if "@context" in proof and proof["@context"] != document.get("@context"):
        return fail("proof_format", "proof @context differs from the document's", method)
    checks.append(Check("proof_format", True, f"{PROOF_TYPE} / {CRYPTOSUITE}"))

    try:
        public_key = resolve_key(method)
    except Exception as exc:  # resolver failures are verification failures
        return fail("verification_key", f"cannot resolve {method}: {exc}", method)
    checks.append(Check("verification_key", True, method))

    memo_key = proven_proofs.key_for(document, public_key, loader)
    if memo_key is not None and memo_key in proven_proofs:
        checks.append(Check("canonicalization", True, "RDFC-1.0"))
        checks.append(Check("signature", True, "Ed25519 signature valid"))
        return ProofVerification(True, checks, method)

    unsecured = {k: v for k, v in document.items() if k != "proof"}
    try:
        data = hash_data(unsecured, proof, loader)
    except UndefinedTermError as exc:
        return fail("canonicalization", str(exc), method)
    except JsonLdError as exc:
        return fail("canonicalization", f"not valid JSON-LD: {_root_cause(exc)}", method)
    checks.append(Check("canonicalization", True, "RDFC-1.0"))

    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return fail("signature", "signature does not match the document", method)
    checks.append(Check("signature", True, "Ed25519 signature valid"))
    if memo_key is not None:
        proven_proofs.remember(memo_key)
    return ProofVerification(True, checks, method)


def _proof_format_problem(proof: Mapping[str, Any], expected_purpose: str) -> str | None:
    if proof.get("type") != PROOF_TYPE:
        return f"proof type must be {PROOF_TYPE}"
    if proof.get("cryptosuite") != CRYPTOSUITE:
        return f"cryptosuite must be {CRYPTOSUITE}"
    if proof.get("proofPurpose") != expected_purpose:
        return f"proofPurpose must be {expected_purpose}"
    if not isinstance(proof.get("verificationMethod"), str):
        return "verificationMethod missing"
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        return "proofValue must be multibase base58btc ('z...')"
    created = proof.get("created")
    if created is not None:
        try:
            datetime.fromisoformat(str(created).replace("Z", "+00:00"))
        except ValueError:
            return "created is not a dateTime"
    return None


def _root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return str(exc)
