"""The wallet's jwt proof of possession: keys by did:key or jwk, and every refusal."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import base58
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from issuance.credentials.holder_proof import (
    HolderProofError,
    key_from_did_key,
    verify_holder_proof,
)

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
AUD = "https://issuer.example"


def _ed_did(private: Ed25519PrivateKey) -> str:
    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "did:key:z" + base58.b58encode(b"\xed\x01" + raw).decode()


def _proof(
    private: Ed25519PrivateKey | ec.EllipticCurvePrivateKey,
    headers: dict[str, object],
    **claims: object,
) -> str:
    payload = {"aud": AUD, "iat": int(NOW.timestamp()), "nonce": "n-1", **claims}
    alg = "EdDSA" if isinstance(private, Ed25519PrivateKey) else "ES256"
    return jwt.encode(
        payload, private, algorithm=alg, headers={"typ": "openid4vci-proof+jwt", **headers}
    )


def test_did_key_proof_gives_the_holder_and_nonce() -> None:
    key = Ed25519PrivateKey.generate()
    did = _ed_did(key)
    verified = verify_holder_proof(_proof(key, {"kid": f"{did}#{did[8:]}"}), audience=AUD, now=NOW)
    assert verified.holder.did == did
    assert verified.nonce == "n-1"


def test_p256_did_key_and_jwk() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    point = key.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    did = "did:key:z" + base58.b58encode(b"\x80\x24" + point).decode()
    assert key_from_did_key(did).did == did
    verified = verify_holder_proof(_proof(key, {"kid": did}), audience=AUD, now=NOW)
    assert verified.holder.did == did
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    by_jwk = verify_holder_proof(_proof(key, {"jwk": jwk}), audience=AUD, now=NOW)
    assert by_jwk.holder.did.startswith("did:jwk:")


@pytest.mark.parametrize(
    ("headers", "claims", "message"),
    [
        ({"typ": "JWT"}, {}, "typ"),
        ({}, {"aud": "https://other.example"}, "another credential issuer"),
        ({}, {"iat": int(NOW.timestamp()) - 3600}, "iat"),
        ({"kid": "did:web:example.com"}, {}, "did:key"),
    ],
)
def test_refusals(headers: dict[str, object], claims: dict[str, object], message: str) -> None:
    key = Ed25519PrivateKey.generate()
    did = _ed_did(key)
    proof = _proof(key, {"kid": did, **headers}, **claims)
    with pytest.raises(HolderProofError, match=message):
        verify_holder_proof(proof, audience=AUD, now=NOW)


def test_signed_by_another_key_or_missing_nonce() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    with pytest.raises(HolderProofError, match="signature"):
        verify_holder_proof(_proof(other, {"kid": _ed_did(key)}), audience=AUD, now=NOW)
    no_nonce = jwt.encode(
        {"aud": AUD, "iat": int(NOW.timestamp())},
        key,
        algorithm="EdDSA",
        headers={"typ": "openid4vci-proof+jwt", "kid": _ed_did(key)},
    )
    with pytest.raises(HolderProofError, match="nonce"):
        verify_holder_proof(no_nonce, audience=AUD, now=NOW)
    private_jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(key, as_dict=False))
    with pytest.raises(HolderProofError, match="public"):
        verify_holder_proof(_proof(key, {"jwk": private_jwk}), audience=AUD, now=NOW)
    with pytest.raises(HolderProofError, match="not a JWT"):
        verify_holder_proof("abc", audience=AUD, now=NOW)
