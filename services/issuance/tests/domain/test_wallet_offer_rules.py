"""Rules of wallet offers: redeeming codes, transaction codes, stateless nonces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from issuance.domain.oid4vci_metadata import well_known_url
from issuance.domain.wallet_offers import (
    MAX_TX_CODE_ATTEMPTS,
    NONCE_TTL,
    OfferFacts,
    RedeemOutcome,
    decide_redeem,
    issue_nonce,
    new_tx_code,
    nonce_expiry,
    secret_hash,
)

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
KEY = b"k" * 32


def facts(**changes: object) -> OfferFacts:
    values: dict[str, object] = {
        "expires_at": NOW + timedelta(minutes=5),
        "redeemed": False,
        "tx_code_hash": secret_hash("123456"),
        "failed_tx_attempts": 0,
        **changes,
    }
    return OfferFacts(**values)  # type: ignore[arg-type]


def test_redeem_outcomes() -> None:
    assert decide_redeem(facts(), "123456", NOW) is RedeemOutcome.GRANTED
    assert decide_redeem(None, "123456", NOW) is RedeemOutcome.UNKNOWN
    assert decide_redeem(facts(redeemed=True), "123456", NOW) is RedeemOutcome.USED
    assert decide_redeem(facts(expires_at=NOW), "123456", NOW) is RedeemOutcome.EXPIRED
    assert decide_redeem(facts(), None, NOW) is RedeemOutcome.TX_CODE_REQUIRED
    assert decide_redeem(facts(), "654321", NOW) is RedeemOutcome.WRONG_TX_CODE
    locked = facts(failed_tx_attempts=MAX_TX_CODE_ATTEMPTS)
    assert decide_redeem(locked, "123456", NOW) is RedeemOutcome.LOCKED
    assert decide_redeem(facts(tx_code_hash=None), None, NOW) is RedeemOutcome.GRANTED


def test_tx_codes_are_six_digits() -> None:
    digits = iter([1, 2, 3, 4, 5, 6])
    assert new_tx_code(lambda _n: next(digits)) == "123456"


def test_nonces_are_ours_and_expire() -> None:
    nonce = issue_nonce(KEY, NOW)
    assert nonce_expiry(KEY, nonce, NOW) == NOW + NONCE_TTL
    assert nonce_expiry(KEY, nonce, NOW + NONCE_TTL) is None
    assert nonce_expiry(b"x" * 32, nonce, NOW) is None
    expiry, rest = nonce.split(".", 1)
    assert nonce_expiry(KEY, f"{int(expiry) + 3600}.{rest}", NOW) is None  # extended: MAC fails
    assert nonce_expiry(KEY, "garbage", NOW) is None
    assert issue_nonce(KEY, NOW) != nonce


def test_well_known_goes_before_the_path() -> None:
    assert (
        well_known_url("https://x.example", "openid-credential-issuer")
        == "https://x.example/.well-known/openid-credential-issuer"
    )
    assert (
        well_known_url("https://x.example/tenant/", "oauth-authorization-server")
        == "https://x.example/.well-known/oauth-authorization-server/tenant"
    )
