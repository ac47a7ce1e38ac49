from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from credmarket_platform.auth import Principal, TokenRejected, TokenVerifier
from credmarket_platform.settings import ServiceSettings

SECRET = "test-only-secret-0123456789abcdef0123456789"


def _settings(*, issuers: str, jwks_urls: str, dev_secret: str | None) -> ServiceSettings:
    # By environment name, as a deployment would set them.
    return ServiceSettings.model_validate(
        {
            "CREDMARKET_JWT_ISSUERS": issuers,
            "CREDMARKET_JWT_JWKS_URLS": jwks_urls,
            "CREDMARKET_JWT_DEV_SECRET": dev_secret,
            "CREDMARKET_DEV_MODE": dev_secret is not None,
        }
    )


async def test_valid_token_gives_principal(
    dev_verifier: TokenVerifier, dev_token: Callable[..., str]
) -> None:
    token = dev_token(role="provider", email="p@example.org", name="Pat")
    principal = await dev_verifier.verify(token)
    assert principal == Principal(
        subject="11111111-1111-1111-1111-111111111111",
        role="provider",
        issuer="credmarket-dev",
        email="p@example.org",
        name="Pat",
    )
    assert principal.claims["aud"] == "credmarket"


async def test_expired_token_is_rejected(
    dev_verifier: TokenVerifier, dev_token: Callable[..., str]
) -> None:
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    token = dev_token(issued_at=long_ago, ttl=timedelta(minutes=5))
    with pytest.raises(TokenRejected, match="expired"):
        await dev_verifier.verify(token)


async def test_token_not_yet_valid_is_rejected(
    dev_verifier: TokenVerifier, dev_token: Callable[..., str]
) -> None:
    token = dev_token(not_before=datetime.now(UTC) + timedelta(hours=1))
    with pytest.raises(TokenRejected, match="not valid yet"):
        await dev_verifier.verify(token)


async def test_token_issued_in_future_is_rejected(
    dev_verifier: TokenVerifier, dev_token: Callable[..., str]
) -> None:
    future = datetime.now(UTC) + timedelta(hours=1)
    token = dev_token(issued_at=future, not_before=datetime.now(UTC))
    with pytest.raises(TokenRejected):
        await dev_verifier.verify(token)


async def test_untrusted_issuer_is_rejected(
    dev_verifier: TokenVerifier, dev_token: Callable[..., str]
) -> None:
    with pytest.raises(TokenRejected, match="issuer"):
        await dev_verifier.verify(dev_token(issuer="evil-idp"))


async def test_wrong_audience_is_rejected(
    dev_verifier: TokenVerifier, dev_token: Callable[..., str]
) -> None:
    with pytest.raises(TokenRejected, match="audience"):
        await dev_verifier.verify(dev_token(audience="someone-else"))


async def test_wrong_secret_is_rejected(
    dev_verifier: TokenVerifier, dev_token: Callable[..., str]
) -> None:
    with pytest.raises(TokenRejected, match="signature"):
        await dev_verifier.verify(dev_token(secret="another-secret-0123456789abcdef012345"))


@pytest.mark.parametrize("role", [None, "admin", ""])
async def test_missing_or_unknown_role_is_rejected(
    dev_verifier: TokenVerifier, role: str | None
) -> None:
    now = int(time.time())
    claims = {
        "sub": "u1",
        "iss": "credmarket-dev",
        "aud": "credmarket",
        "iat": now,
        "exp": now + 60,
    }
    if role is not None:
        claims["role"] = role
    with pytest.raises(TokenRejected, match="role"):
        await dev_verifier.verify(jwt.encode(claims, SECRET, algorithm="HS256"))


async def test_missing_exp_is_rejected(dev_verifier: TokenVerifier) -> None:
    claims = {
        "sub": "u1",
        "iss": "credmarket-dev",
        "aud": "credmarket",
        "iat": int(time.time()),
        "role": "ops",
    }
    with pytest.raises(TokenRejected, match="exp"):
        await dev_verifier.verify(jwt.encode(claims, SECRET, algorithm="HS256"))


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "eyJhbGciOiJub25lIn0.e30."])
async def test_garbage_is_rejected(dev_verifier: TokenVerifier, token: str) -> None:
    with pytest.raises(TokenRejected):
        await dev_verifier.verify(token)


async def test_alg_none_is_rejected(dev_verifier: TokenVerifier) -> None:
    now = int(time.time())
    claims = {
        "sub": "u1",
        "iss": "credmarket-dev",
        "aud": "credmarket",
        "iat": now,
        "exp": now + 60,
        "role": "ops",
    }
    token = jwt.encode(claims, None, algorithm="none")  # type: ignore[arg-type]
    with pytest.raises(TokenRejected, match="algorithm"):
        await dev_verifier.verify(token)


def test_settings_without_dev_secret_trust_no_hs256_issuer() -> None:
    settings = _settings(issuers="credmarket-dev", jwks_urls="", dev_secret=None)
    assert TokenVerifier.from_settings(settings).issuers == {}


def test_settings_split_issuers_between_jwks_and_dev_secret() -> None:
    settings = _settings(
        issuers="credmarket-dev, https://idp.example",
        jwks_urls="https://idp.example=https://idp.example/.well-known/jwks.json",
        dev_secret=SECRET,
    )
    issuers = TokenVerifier.from_settings(settings).issuers
    assert issuers["credmarket-dev"].hs256_secret == SECRET.encode()
    jwks = issuers["https://idp.example"].jwks
    assert jwks is not None
    assert jwks.url == "https://idp.example/.well-known/jwks.json"
    assert issuers["https://idp.example"].hs256_secret is None


def test_malformed_jwks_setting_is_a_clear_error() -> None:
    settings = _settings(issuers="x", jwks_urls="no-equals-sign", dev_secret=None)
    with pytest.raises(ValueError, match="issuer=url"):
        TokenVerifier.from_settings(settings)
