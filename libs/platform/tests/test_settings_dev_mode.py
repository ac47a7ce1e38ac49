"""Dev-only token secrets: accepted in dev mode only, never a published one (ADR 0019)."""

from __future__ import annotations

import jwt
import pytest
from credmarket_platform.auth import TokenRejected, TokenVerifier
from credmarket_platform.settings import PUBLISHED_DEV_SECRETS, ServiceSettings
from pydantic import SecretStr, ValidationError

SECRET = "settings-test-secret-0123456789abcdef0123"
OLD_PUBLIC_DEFAULT = "dev-only-jwt-secret-not-for-production"


def settings(**env: str) -> ServiceSettings:
    # By environment name, as Compose and Kubernetes set them; no env file.
    return ServiceSettings.model_validate({"CREDMARKET_JWT_ISSUERS": "credmarket-dev", **env})


def test_production_mode_refuses_to_start_with_a_dev_secret() -> None:
    with pytest.raises(ValidationError, match="CREDMARKET_DEV_MODE is not true"):
        settings(CREDMARKET_JWT_DEV_SECRET=SECRET)
    with pytest.raises(ValidationError, match="CREDMARKET_DEV_MODE is not true"):
        settings(CREDMARKET_JWT_DEV_SECRET=SECRET, CREDMARKET_DEV_MODE="false")


def test_dev_mode_accepts_a_generated_dev_secret() -> None:
    values = settings(CREDMARKET_JWT_DEV_SECRET=SECRET, CREDMARKET_DEV_MODE="true")
    assert values.dev_mode is True
    assert values.jwt_dev_secret is not None
    assert values.jwt_dev_secret.get_secret_value() == SECRET


def test_the_old_public_default_is_refused_even_in_dev_mode() -> None:
    assert OLD_PUBLIC_DEFAULT in PUBLISHED_DEV_SECRETS
    with pytest.raises(ValidationError, match="published default"):
        settings(CREDMARKET_JWT_DEV_SECRET=OLD_PUBLIC_DEFAULT, CREDMARKET_DEV_MODE="true")


def test_a_short_dev_secret_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        settings(CREDMARKET_JWT_DEV_SECRET="short", CREDMARKET_DEV_MODE="true")


def test_an_empty_dev_secret_means_none_in_any_mode() -> None:
    # What `${CREDMARKET_JWT_DEV_SECRET:-}` in Compose or an empty Secret key gives.
    for mode in ("true", "false"):
        values = settings(CREDMARKET_JWT_DEV_SECRET="", CREDMARKET_DEV_MODE=mode)
        assert values.jwt_dev_secret is None
        assert TokenVerifier.from_settings(values).issuers == {}


async def test_without_dev_mode_no_hs256_token_is_accepted() -> None:
    verifier = TokenVerifier.from_settings(settings(CREDMARKET_DEV_MODE="false"))
    token = jwt.encode(
        {
            "iss": "credmarket-dev",
            "aud": "credmarket",
            "sub": "x",
            "role": "ops",
            "iat": 0,
            "exp": 4_000_000_000,
        },
        OLD_PUBLIC_DEFAULT,
        algorithm="HS256",
    )
    with pytest.raises(TokenRejected, match="issuer is not trusted"):
        await verifier.verify(token)


def test_a_hand_built_settings_object_cannot_smuggle_hs256_past_the_verifier() -> None:
    values = ServiceSettings.model_construct(
        jwt_issuers="credmarket-dev",
        jwt_jwks_urls="",
        dev_mode=False,
        jwt_dev_secret=SecretStr(SECRET),
        jwt_audience="credmarket",
    )
    with pytest.raises(ValueError, match="needs dev mode"):
        TokenVerifier.from_settings(values)
