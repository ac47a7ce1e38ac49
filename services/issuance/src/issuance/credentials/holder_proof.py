"""A wallet's proof of possession (OpenID4VCI 1.0, Appendix F.1: the ``jwt`` proof type).

The wallet signs a JWT (``typ`` ``openid4vci-proof+jwt``) over our issuer identifier and a
nonce we gave it, with the key the credential will be bound to. The key is named either by
``kid`` (a ``did:key``, Ed25519 or P-256) or by an embedded ``jwk`` (the holder then becomes a
``did:jwk``). What comes back is the holder's DID, used as ``credentialSubject.id``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import base58
import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PROOF_TYPE = "openid4vci-proof+jwt"
ALGORITHMS = ("EdDSA", "ES256")
MAX_PROOF_BYTES = 8 * 1024
CLOCK_SKEW = timedelta(minutes=5)
_ED25519_PREFIX = b"\xed\x01"
_P256_PREFIX = b"\x80\x24"


class HolderProofError(ValueError):
    """The proof does not show possession of a key we accept (OpenID4VCI ``invalid_proof``)."""


@dataclass(frozen=True)
class HolderKey:
    did: str
    public_key: Ed25519PublicKey | ec.EllipticCurvePublicKey


@dataclass(frozen=True)
class HolderProof:
    holder: HolderKey
    nonce: str
    """Checked by the caller (it needs the database): fresh, ours, and spent once."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def key_from_did_key(did: str) -> HolderKey:
    """The public key a ``did:key`` names (Ed25519 or P-256, base58btc multibase)."""
    if not did.startswith("did:key:z"):
        raise HolderProofError("only did:key identifiers in base58btc multibase are accepted")
    try:
        raw = base58.b58decode(did.removeprefix("did:key:z"))
    except ValueError:
        raise HolderProofError("the did:key is not valid base58btc") from None
    if raw.startswith(_ED25519_PREFIX) and len(raw) == 34:
        return HolderKey(did, Ed25519PublicKey.from_public_bytes(raw[2:]))
    if raw.startswith(_P256_PREFIX) and len(raw) == 35:
        try:
            point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw[2:])
        except ValueError:
            raise HolderProofError("the did:key is not a P-256 point") from None
        return HolderKey(did, point)
    raise HolderProofError("the did:key is neither an Ed25519 nor a P-256 key")


def key_from_jwk(jwk: Any) -> HolderKey:
    """The public key an embedded JWK carries, and its did:jwk."""
    if not isinstance(jwk, dict) or "d" in jwk:
        raise HolderProofError("jwk must be a public JSON Web Key")
    # did:jwk fixes no member order: keep the wallet's own, so its DID comes out as it made it.
    public = {name: value for name, value in jwk.items() if name in ("kty", "crv", "x", "y")}
    try:
        key = jwt.PyJWK(public).key
    except (jwt.exceptions.PyJWKError, jwt.exceptions.InvalidKeyError, ValueError):
        raise HolderProofError("jwk is not an Ed25519 or P-256 public key") from None
    if not isinstance(key, Ed25519PublicKey) and not (
        isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)
    ):
        raise HolderProofError("jwk is not an Ed25519 or P-256 public key")
    did = "did:jwk:" + _b64url(json.dumps(public, separators=(",", ":")).encode())
    return HolderKey(did, key)


def _holder_key(header: dict[str, Any]) -> HolderKey:
    kid, jwk = header.get("kid"), header.get("jwk")
    if (kid is None) == (jwk is None):
        raise HolderProofError("the proof header must name its key by exactly one of kid, jwk")
    if jwk is not None:
        return key_from_jwk(jwk)
    if not isinstance(kid, str):
        raise HolderProofError("kid must be a string")
    return key_from_did_key(kid.split("#", 1)[0])


def verify_holder_proof(
    proof: str,
    *,
    audience: str,
    now: datetime,
) -> HolderProof:
    """The holder key the proof shows possession of, or HolderProofError saying why not.

    The nonce is returned for the caller to check and spend only once the signature holds,
    so a forged proof cannot burn someone else's nonce.
    """
    if not isinstance(proof, str) or len(proof) > MAX_PROOF_BYTES:
        raise HolderProofError("the proof is not a JWT of a reasonable size")
    try:
        header = jwt.get_unverified_header(proof)
    except jwt.exceptions.DecodeError:
        raise HolderProofError("the proof is not a JWT") from None
    if header.get("typ") != PROOF_TYPE:
        raise HolderProofError(f"the proof's typ must be {PROOF_TYPE}")
    if header.get("alg") not in ALGORITHMS:
        raise HolderProofError(f"the proof must be signed with one of {', '.join(ALGORITHMS)}")
    holder = _holder_key(header)
    try:
        claims = jwt.decode(
            proof,
            holder.public_key,
            algorithms=[header["alg"]],
            audience=audience,
            options={"require": ["aud", "iat", "nonce"], "verify_iat": False},
        )
    except jwt.exceptions.InvalidAudienceError:
        raise HolderProofError("the proof is for another credential issuer (aud)") from None
    except jwt.exceptions.MissingRequiredClaimError as exc:
        raise HolderProofError(f"the proof lacks the {exc.claim} claim") from None
    except jwt.exceptions.InvalidTokenError:
        raise HolderProofError("the proof's signature does not verify with its key") from None
    issued = claims["iat"]
    if not isinstance(issued, int | float) or abs(now.timestamp() - issued) > (
        CLOCK_SKEW.total_seconds()
    ):
        raise HolderProofError("the proof's iat is too far from now")
    nonce = claims["nonce"]
    if not isinstance(nonce, str):
        raise HolderProofError("the proof's nonce is not a string")
    return HolderProof(holder, nonce)
