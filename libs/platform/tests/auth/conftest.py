from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from credmarket_platform.auth import TokenVerifier, TrustedIssuer, mint_token

DEV_SECRET = "test-only-secret-0123456789abcdef0123456789"
DEV_ISSUER = "credmarket-dev"
AUDIENCE = "credmarket"


@pytest.fixture
def dev_verifier() -> TokenVerifier:
    return TokenVerifier(
        [TrustedIssuer(DEV_ISSUER, hs256_secret=DEV_SECRET.encode())], audience=AUDIENCE
    )


@pytest.fixture
def dev_token() -> Callable[..., str]:
    def make(
        subject: str = "11111111-1111-1111-1111-111111111111",
        role: Any = "learner",
        **overrides: Any,
    ) -> str:
        kwargs: dict[str, Any] = {
            "issuer": DEV_ISSUER,
            "audience": AUDIENCE,
            "secret": DEV_SECRET,
            "ttl": timedelta(minutes=5),
        }
        kwargs.update(overrides)
        return mint_token(subject, role, **kwargs)

    return make
