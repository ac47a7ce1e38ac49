"""Published eddsa-rdfc-2022 test vectors must reproduce byte for byte."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from issuance.credentials import signing
from issuance.credentials.canonical import canonicalize
from issuance.credentials.document_loader import LocalDocumentLoader, load_context
from issuance.credentials.keys import (
    decode_private_key_multibase,
    decode_public_key_multibase,
    public_key_bytes,
    public_key_multibase,
)

VECTORS = Path(__file__).parent / "vectors"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text("utf-8"))
    return data


def _created(proof: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(proof["created"].replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def ob3() -> dict[str, Any]:
    return _load("1edtech_ob3_eddsa_rdfc_2022.json")


@pytest.fixture(scope="module")
def ob3_loader(ob3: dict[str, Any]) -> LocalDocumentLoader:
    extra = {alias: load_context(target) for alias, target in ob3["contextAliases"].items()}
    return LocalDocumentLoader(extra)


@pytest.fixture(scope="module")
def w3c() -> dict[str, Any]:
    return _load("w3c_vc_di_eddsa_rdfc_2022.json")


@pytest.fixture(scope="module")
def w3c_loader(w3c: dict[str, Any]) -> LocalDocumentLoader:
    return LocalDocumentLoader(w3c["extraContexts"])


def test_1edtech_keys_match_their_multikey(ob3: dict[str, Any]) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(ob3["privateKeyHex"])[:32])
    assert public_key_bytes(key.public_key()).hex() == ob3["publicKeyHex"]
    assert public_key_multibase(key.public_key()) == ob3["publicKeyMultibase"]


def test_1edtech_canonical_forms_and_hashes(
    ob3: dict[str, Any], ob3_loader: LocalDocumentLoader
) -> None:
    assert canonicalize(ob3["unsigned"], ob3_loader) == ob3["canonicalDocument"]
    data = signing.hash_data(ob3["unsigned"], ob3["proofOptions"], ob3_loader)
    assert data[:32].hex() == ob3["proofHashHex"]
    assert data[32:].hex() == ob3["documentHashHex"]
    proof_config = {**ob3["proofOptions"], "@context": ob3["unsigned"]["@context"]}
    assert canonicalize(proof_config, ob3_loader) == ob3["canonicalProofConfig"]


def test_1edtech_proof_value_reproduces(
    ob3: dict[str, Any], ob3_loader: LocalDocumentLoader
) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(ob3["privateKeyHex"])[:32])
    options = ob3["proofOptions"]
    signed = signing.sign(
        ob3["unsigned"],
        key,
        options["verificationMethod"],
        created=_created(options),
        loader=ob3_loader,
    )
    assert signed["proof"]["proofValue"] == ob3["proofValue"]
    assert signed == ob3["signed"]


def test_1edtech_signed_credential_verifies(
    ob3: dict[str, Any], ob3_loader: LocalDocumentLoader
) -> None:
    public = decode_public_key_multibase(ob3["publicKeyMultibase"])
    result = signing.verify(ob3["signed"], lambda _: public, loader=ob3_loader)
    assert result.valid, result.checks


def test_w3c_canonical_forms_and_hashes(
    w3c: dict[str, Any], w3c_loader: LocalDocumentLoader
) -> None:
    assert canonicalize(w3c["unsigned"], w3c_loader) == w3c["canonicalDocument"]
    assert canonicalize(w3c["proofConfig"], w3c_loader) == w3c["canonicalProofConfig"]
    options = {k: v for k, v in w3c["proofConfig"].items() if k != "@context"}
    data = signing.hash_data(w3c["unsigned"], options, w3c_loader)
    assert data[:32].hex() == w3c["proofHashHex"]
    assert data[32:].hex() == w3c["documentHashHex"]
    assert hashlib.sha256(w3c["canonicalDocument"].encode()).hexdigest() == w3c["documentHashHex"]


def test_w3c_proof_value_reproduces(w3c: dict[str, Any], w3c_loader: LocalDocumentLoader) -> None:
    key = decode_private_key_multibase(w3c["keyPair"]["privateKeyMultibase"])
    assert public_key_multibase(key.public_key()) == w3c["keyPair"]["publicKeyMultibase"]
    options = w3c["proofConfig"]
    signed = signing.sign(
        w3c["unsigned"],
        key,
        options["verificationMethod"],
        created=_created(options),
        loader=w3c_loader,
    )
    assert signed["proof"]["proofValue"] == w3c["proofValue"]
    assert signed == w3c["signed"]
    result = signing.verify(signed, lambda _: key.public_key(), loader=w3c_loader)
    assert result.valid, result.checks
