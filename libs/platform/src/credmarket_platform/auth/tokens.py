"""Mint bearer tokens: for development, tests, and services that issue their own tokens."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from credmarket_platform.auth.jwks import PrivateKey, algorithm_for
from credmarket_platform.auth.principal import ROLES, Role
from credmarket_platform.settings import DEV_SECRET_MIN_BYTES

# One minimum for minting, verifying and configuring (settings): 256 bits.
DEV_HS256_MIN_SECRET_BYTES = DEV_SECRET_MIN_BYTES


def _secret_bytes(secret: str | bytes) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret


def mint_token(
    subject: str,
    role: Role,
    *,
    issuer: str,
    audience: str = "credmarket",
    secret: str | bytes | None = None,
    private_key: PrivateKey | None = None,
    kid: str | None = None,
    ttl: timedelta = timedelta(hours=1),
    email: str | None = None,
    name: str | None = None,
    not_before: datetime | None = None,
    issued_at: datetime | None = None,
    extra_claims: Mapping[str, Any] | None = None,
) -> str:
    """A signed JWT: HS256 with ``secret`` (dev only) or RS256/ES256/EdDSA with ``private_key``."""
    if (secret is None) == (private_key is None):
        raise ValueError("give exactly one of secret= or private_key=")
    if role not in ROLES:
        raise ValueError(f"role must be one of {sorted(ROLES)}")
    if secret is not None and len(_secret_bytes(secret)) < DEV_HS256_MIN_SECRET_BYTES:
        # A short HMAC secret can be brute-forced offline from any one token.
        raise ValueError(f"an HS256 secret needs at least {DEV_HS256_MIN_SECRET_BYTES} bytes")
    now = issued_at or datetime.now(UTC)
    claims: dict[str, Any] = {
        **(extra_claims or {}),
        "sub": subject,
        "role": role,
        "iss": issuer,
        "aud": audience,
        "iat": int(now.timestamp()),
        "nbf": int((not_before or now).timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": str(uuid.uuid4()),
    }
    if email is not None:
        claims["email"] = email
    if name is not None:
        claims["name"] = name
    headers = {"kid": kid} if kid else None
    if secret is not None:
        return jwt.encode(claims, secret, algorithm="HS256", headers=headers)
    assert private_key is not None
    return jwt.encode(claims, private_key, algorithm=algorithm_for(private_key), headers=headers)
