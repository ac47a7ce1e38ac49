"""Publish public keys as a JSON Web Key Set (RFC 7517), the form verifiers fetch."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def algorithm_for(key: PublicKey | PrivateKey) -> str:
    """The JWS algorithm a key signs with: RS256, ES256 (P-256 only) or EdDSA."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return "RS256"
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise ValueError(f"only P-256 EC keys are supported, not {key.curve.name}")
        return "ES256"
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return "EdDSA"
    raise TypeError(f"unsupported key type {type(key).__name__}")


def public_jwk(key: PublicKey | PrivateKey, kid: str) -> dict[str, Any]:
    """The public half of ``key`` as a JWK; a private key is reduced to its public key."""
    public = key.public_key() if not isinstance(key, PublicKey) else key
    alg = algorithm_for(public)
    jwk: dict[str, Any]
    if isinstance(public, rsa.RSAPublicKey):
        jwk = dict(RSAAlgorithm.to_jwk(public, as_dict=True))
    elif isinstance(public, ec.EllipticCurvePublicKey):
        jwk = dict(ECAlgorithm.to_jwk(public, as_dict=True))
    else:
        jwk = dict(OKPAlgorithm.to_jwk(public, as_dict=True))
    jwk.update({"kid": kid, "alg": alg, "use": "sig"})
    return jwk


def build_jwks(keys: Iterable[tuple[str, PublicKey | PrivateKey]]) -> dict[str, Any]:
    """``{"keys": [...]}`` from ``(kid, key)`` pairs; list retiring keys too while tokens
    signed with them may still be alive."""
    return {"keys": [public_jwk(key, kid) for kid, key in keys]}
