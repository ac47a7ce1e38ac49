from __future__ import annotations

import pytest
from credmarket_platform.auth import TokenVerifier, TrustedIssuer
from credmarket_platform.auth.dev_token import main

SECRET = "dev-token-test-secret-0123456789abcdef012"


async def test_dev_token_prints_a_token_the_dev_verifier_accepts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CREDMARKET_JWT_DEV_SECRET", SECRET)
    monkeypatch.setenv("CREDMARKET_JWT_ISSUERS", "credmarket-dev")
    monkeypatch.setenv("CREDMARKET_JWT_AUDIENCE", "credmarket")
    assert main(["--role", "learner", "--sub", "abc", "--email", "a@example.org"]) == 0
    token = capsys.readouterr().out.strip()
    verifier = TokenVerifier(
        [TrustedIssuer("credmarket-dev", hs256_secret=SECRET.encode())], audience="credmarket"
    )
    principal = await verifier.verify(token)
    assert principal.subject == "abc"
    assert principal.role == "learner"
    assert principal.email == "a@example.org"


def test_dev_token_refuses_without_a_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CREDMARKET_JWT_DEV_SECRET", raising=False)
    monkeypatch.setenv("CREDMARKET_ENV_FILE", "/nonexistent.env")
    from credmarket_platform.settings import ServiceSettings

    if ServiceSettings(dev_mode=True).jwt_dev_secret is not None:
        pytest.skip("a dev secret is configured by an env file in this checkout")
    assert main(["--role", "ops"]) == 2
    assert "CREDMARKET_JWT_DEV_SECRET" in capsys.readouterr().err
