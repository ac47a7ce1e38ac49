"""Rules of OpenID4VCI credential offers (pre-authorized code flow): no I/O here.

Secrets (pre-authorized codes, access tokens) are random, shown once and kept only as
SHA-256 hashes. Nonces are stateless (an expiry signed with a key only this service holds),
so the public nonce endpoint writes nothing; a nonce is recorded only when a valid proof
spends it, which makes it single-use.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

OFFER_TTL = timedelta(minutes=10)
TOKEN_TTL = timedelta(minutes=5)
NONCE_TTL = timedelta(minutes=5)
TX_CODE_LENGTH = 6
MAX_TX_CODE_ATTEMPTS = 5
MAX_OPEN_OFFERS = 5


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_tx_code(randbelow: Callable[[int], int]) -> str:
    return "".join(str(randbelow(10)) for _ in range(TX_CODE_LENGTH))


class RedeemOutcome(Enum):
    GRANTED = "granted"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    TX_CODE_REQUIRED = "tx_code_required"
    WRONG_TX_CODE = "wrong_tx_code"
    LOCKED = "locked"


@dataclass(frozen=True)
class OfferFacts:
    expires_at: datetime
    redeemed: bool
    tx_code_hash: str | None
    failed_tx_attempts: int


def decide_redeem(facts: OfferFacts | None, tx_code: str | None, now: datetime) -> RedeemOutcome:
    """Whether a pre-authorized code (and transaction code) buys an access token."""
    if facts is None:
        return RedeemOutcome.UNKNOWN
    if facts.redeemed:
        return RedeemOutcome.USED
    if now >= facts.expires_at:
        return RedeemOutcome.EXPIRED
    if facts.failed_tx_attempts >= MAX_TX_CODE_ATTEMPTS:
        return RedeemOutcome.LOCKED
    if facts.tx_code_hash is not None:
        if not tx_code:
            return RedeemOutcome.TX_CODE_REQUIRED
        if not hmac.compare_digest(facts.tx_code_hash, secret_hash(tx_code)):
            return RedeemOutcome.WRONG_TX_CODE
    return RedeemOutcome.GRANTED


def issue_nonce(key: bytes, now: datetime) -> str:
    expiry = int((now + NONCE_TTL).timestamp())
    body = f"{expiry}.{secrets.token_urlsafe(16)}"
    return f"{body}.{_mac(key, body)}"


def nonce_expiry(key: bytes, nonce: str, now: datetime) -> datetime | None:
    """When the nonce expires if it is one of ours and still fresh, else None."""
    body, _, mac = nonce.rpartition(".")
    expiry_text, _, _random = body.partition(".")
    if not body or not hmac.compare_digest(mac, _mac(key, body)) or not expiry_text.isdigit():
        return None
    expiry = datetime.fromtimestamp(int(expiry_text), tz=now.tzinfo)
    return expiry if now < expiry else None


def _mac(key: bytes, body: str) -> str:
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
