"""Provider API keys: ``cmk_<prefix>_<secret>``, stored as prefix + SHA-256 of the secret.

The prefix finds the row without revealing anything; the secret is 256 random bits,
so a plain SHA-256 is enough (no password-style stretching needed: nothing to guess).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

SCHEME = "cmk"
PREFIX_LENGTH = 8
SECRET_BYTES = 32
_PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_KEY = re.compile(r"^cmk_([a-z0-9]{8})_([A-Za-z0-9_-]{43})\Z")


@dataclass(frozen=True)
class IssuedKey:
    prefix: str
    secret_hash: bytes
    plaintext: str  # shown to the provider once, never stored


@dataclass(frozen=True)
class PresentedKey:
    prefix: str
    secret: str


def issue_key(random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> IssuedKey:
    raw = random_bytes(PREFIX_LENGTH + SECRET_BYTES)
    prefix = "".join(_PREFIX_ALPHABET[b % len(_PREFIX_ALPHABET)] for b in raw[:PREFIX_LENGTH])
    secret = base64.urlsafe_b64encode(raw[PREFIX_LENGTH:]).decode().rstrip("=")
    return IssuedKey(prefix, hash_secret(secret), f"{SCHEME}_{prefix}_{secret}")


def parse_key(text: str) -> PresentedKey | None:
    match = _KEY.match(text)
    if match is None:
        return None
    return PresentedKey(match.group(1), match.group(2))


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def secret_matches(secret: str, stored_hash: bytes) -> bool:
    # Constant time, so response timing says nothing about how much of a guess was right.
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def key_usable(revoked_at: datetime | None, expires_at: datetime | None, now: datetime) -> bool:
    if revoked_at is not None and revoked_at <= now:
        return False
    return expires_at is None or now < expires_at
