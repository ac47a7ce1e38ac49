"""Verify bearer tokens against the trusted issuers and turn them into a Principal.

Each trusted issuer has exactly one way to verify its tokens: its JWKS (asymmetric
algorithms only) or, in development, the shared HS256 secret. The algorithm is chosen
by the issuer's configuration, never by the token's header, so a token can't pick a
weaker check for itself (the classic "alg: none" / RS-to-HS confusion).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import httpx
import jwt
from jwt import PyJWK

from credmarket_platform.auth.errors import TokenRejected
from credmarket_platform.auth.jwks_cache import JwksKeySet
from credmarket_platform.auth.principal import ROLES, Principal, Role
from credmarket_platform.auth.tokens import DEV_HS256_MIN_SECRET_BYTES
from credmarket_platform.settings import ServiceSettings

logger = logging.getLogger("credmarket.auth")

ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "ES256", "EdDSA"})
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]


@dataclass(frozen=True)
class TrustedIssuer:
    """One issuer we accept tokens from, with the single way its tokens are verified."""

    name: str
    jwks: JwksKeySet | None = None
    hs256_secret: bytes | None = None

    def __post_init__(self) -> None:
        if (self.jwks is None) == (self.hs256_secret is None):
            raise ValueError(f"issuer {self.name!r} needs exactly one of a JWKS or a dev secret")
        if self.hs256_secret is not None and len(self.hs256_secret) < DEV_HS256_MIN_SECRET_BYTES:
            raise ValueError(
                f"issuer {self.name!r}: an HS256 secret needs at least "
                f"{DEV_HS256_MIN_SECRET_BYTES} bytes"
            )


class TokenVerifier:
    def __init__(
        self, issuers: Iterable[TrustedIssuer], *, audience: str, leeway_s: float = 30.0
    ) -> None:
        self.issuers = {issuer.name: issuer for issuer in issuers}
        self.audience = audience
        self.leeway_s = leeway_s

    @classmethod
    def from_settings(
        cls,
        settings: ServiceSettings,
        *,
        http_client: httpx.AsyncClient | None = None,
        jwks_ttl_s: float = 300.0,
        jwks_min_refetch_s: float = 30.0,
    ) -> TokenVerifier:
        """Issuers named in ``jwt_jwks_urls`` are verified with their JWKS; the other
        names in ``jwt_issuers`` only with ``jwt_dev_secret``, and only in dev mode."""
        jwks_urls = _parse_pairs(settings.jwt_jwks_urls)
        names = [n.strip() for n in settings.jwt_issuers.split(",") if n.strip()]
        secret = settings.jwt_dev_secret.get_secret_value() if settings.jwt_dev_secret else None
        issuers: list[TrustedIssuer] = []
        for name, url in jwks_urls.items():
            keys = JwksKeySet(
                url, client=http_client, ttl=jwks_ttl_s, min_refetch_interval=jwks_min_refetch_s
            )
            issuers.append(TrustedIssuer(name, jwks=keys))
        for name in names:
            if name in jwks_urls:
                continue
            if secret and not settings.dev_mode:
                # Settings refuse this combination; a hand-built one must not slip through.
                raise ValueError(f"issuer {name!r}: an HS256 dev secret needs dev mode")
            if secret:
                logger.warning("issuer %r is trusted with the HS256 dev secret", name)
                issuers.append(TrustedIssuer(name, hs256_secret=secret.encode()))
            else:
                logger.warning("issuer %r has no JWKS URL and no dev secret; not trusted", name)
        return cls(issuers, audience=settings.jwt_audience)

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise TokenRejected("token is not a well-formed JWT") from None
        issuer_name = unverified.get("iss")
        issuer = self.issuers.get(issuer_name) if isinstance(issuer_name, str) else None
        if issuer is None:
            raise TokenRejected("token issuer is not trusted")
        alg = header.get("alg")
        key: PyJWK | bytes
        if issuer.jwks is not None:
            if alg not in ASYMMETRIC_ALGORITHMS:
                raise TokenRejected("token algorithm is not accepted for this issuer")
            kid = header.get("kid")
            key = await issuer.jwks.key_for(kid if isinstance(kid, str) else None)
            if key.algorithm_name != alg:
                raise TokenRejected("token algorithm does not match its key")
        else:
            assert issuer.hs256_secret is not None
            if alg != "HS256":
                raise TokenRejected("token algorithm is not accepted for this issuer")
            key = issuer.hs256_secret
        claims = self._decode(token, key, cast(str, alg), issuer.name)
        return _principal(claims)

    def _decode(self, token: str, key: PyJWK | bytes, alg: str, issuer: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self.audience,
                issuer=issuer,
                leeway=self.leeway_s,
                options={"require": REQUIRED_CLAIMS, "verify_iat": True, "verify_nbf": True},
            )
        except jwt.ExpiredSignatureError:
            raise TokenRejected("token has expired") from None
        except jwt.ImmatureSignatureError:
            raise TokenRejected("token is not valid yet") from None
        except jwt.InvalidAudienceError:
            raise TokenRejected("token is not meant for this audience") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenRejected(f"token lacks the {exc.claim!r} claim") from None
        except jwt.PyJWTError:
            raise TokenRejected("token signature or claims are invalid") from None
        if float(claims["iat"]) > time.time() + self.leeway_s:
            raise TokenRejected("token is issued in the future")
        return claims

    async def aclose(self) -> None:
        for issuer in self.issuers.values():
            if issuer.jwks is not None:
                await issuer.jwks.aclose()


def _principal(claims: dict[str, Any]) -> Principal:
    role = claims.get("role")
    if role not in ROLES:
        raise TokenRejected("token has no valid role claim")
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject:
        raise TokenRejected("token subject is invalid")
    email = claims.get("email")
    name = claims.get("name")
    return Principal(
        subject=subject,
        role=cast(Role, role),
        issuer=str(claims["iss"]),
        email=email if isinstance(email, str) else None,
        name=name if isinstance(name, str) else None,
        claims=claims,
    )


def _parse_pairs(text: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        issuer, sep, url = item.partition("=")
        if not sep or not issuer.strip() or not url.strip():
            raise ValueError(f"jwt_jwks_urls entry {item!r} is not `issuer=url`")
        pairs[issuer.strip()] = url.strip()
    return pairs
