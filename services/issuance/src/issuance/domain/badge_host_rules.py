"""Rules of the Open Badges 3.0 API (1EdTech OB 3.0 §6, OAuth 2.0 with PKCE): no I/O here."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta
from urllib.parse import urlsplit

SCOPE_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
CREDENTIAL_READONLY = SCOPE_BASE + "credential.readonly"
CREDENTIAL_UPSERT = SCOPE_BASE + "credential.upsert"
PROFILE_READONLY = SCOPE_BASE + "profile.readonly"
SCOPES = (CREDENTIAL_READONLY, CREDENTIAL_UPSERT, PROFILE_READONLY)
SCOPE_TEXT = {
    CREDENTIAL_READONLY: "read the credentials in your account",
    CREDENTIAL_UPSERT: "add or update credentials in your account",
    PROFILE_READONLY: "read your profile",
}

AUTHORIZATION_TTL = timedelta(minutes=10)
CODE_TTL = timedelta(minutes=2)
ACCESS_TOKEN_TTL = timedelta(hours=1)
REFRESH_TOKEN_TTL = timedelta(days=30)
MAX_REDIRECT_URIS = 5
MAX_URI_LENGTH = 2048
MAX_PAGE = 100


class BadgeHostRuleError(ValueError):
    """A request that breaks a rule of the protocol; the message says which."""


def parse_scopes(requested: str | None, allowed: frozenset[str] | None = None) -> frozenset[str]:
    """The requested scopes, all known (and all within ``allowed`` when given)."""
    scopes = frozenset((requested or "").split())
    if not scopes:
        raise BadgeHostRuleError("scope is required")
    unknown = scopes - set(SCOPES)
    if unknown:
        raise BadgeHostRuleError(f"unknown scope(s): {' '.join(sorted(unknown))}")
    if allowed is not None and not scopes <= allowed:
        raise BadgeHostRuleError("scope exceeds what the client registered or was granted")
    return scopes


def check_redirect_uri(uri: str, *, dev_mode: bool) -> str:
    """A redirect URI a client may register: absolute, no fragment, https outside dev mode."""
    if not isinstance(uri, str) or len(uri) > MAX_URI_LENGTH:
        raise BadgeHostRuleError("redirect_uri must be a URI of at most 2048 characters")
    parts = urlsplit(uri)
    if parts.fragment or not parts.netloc:
        raise BadgeHostRuleError("redirect_uri must be absolute and carry no fragment")
    if parts.scheme != "https" and not (dev_mode and parts.scheme == "http"):
        raise BadgeHostRuleError("redirect_uri must use https")
    return uri


def pkce_matches(verifier: str, challenge: str) -> bool:
    """RFC 7636 S256: BASE64URL(SHA256(verifier)) == challenge."""
    if not 43 <= len(verifier) <= 128:
        return False
    digest = hashlib.sha256(verifier.encode("ascii", errors="replace")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hmac.compare_digest(computed, challenge)


def host_holder_id(client_id: str) -> str:
    """How a badge host appears as the receiver in CredentialDeliveredV1."""
    return f"urn:credmarket:badge-host:{client_id}"
