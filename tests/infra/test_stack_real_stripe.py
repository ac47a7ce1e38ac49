"""Stripe test keys in the project's .env switch the local system from the stand-in to Stripe."""

from __future__ import annotations

from pathlib import Path

import pytest
from credmarket_infra.stack.config import StackConfig
from credmarket_infra.stack.envfile import LOCAL_STRIPE_API_KEY
from credmarket_infra.stack.services import PAYMENTS, real_stripe, service_env
from credmarket_infra.stack.waiting import StartupError


def stack_at(root: Path, dotenv: str | None) -> StackConfig:
    config = StackConfig(root=root)
    config.stack_dir.mkdir(parents=True)
    config.env_file.write_text(
        "CREDMARKET_KAFKA_BOOTSTRAP=127.0.0.1:19092\n"
        "CREDMARKET_STRIPE_API_BASE=http://127.0.0.1:18420\n"
        f"CREDMARKET_STRIPE_API_KEY={LOCAL_STRIPE_API_KEY}\n"
    )
    if dotenv is not None:
        (root / ".env").write_text(dotenv)
    return config


def test_without_keys_the_stand_in_is_used(tmp_path: Path) -> None:
    config = stack_at(tmp_path, None)
    assert real_stripe(config) is None
    env = service_env(config, PAYMENTS)
    assert env["CREDMARKET_STRIPE_API_BASE"] == "http://127.0.0.1:18420"
    assert env["CREDMARKET_STRIPE_API_KEY"] == LOCAL_STRIPE_API_KEY
    assert env["CREDMARKET_ENV_FILE"] == "/dev/null"


def test_real_test_keys_switch_payments_to_stripe(tmp_path: Path) -> None:
    config = stack_at(
        tmp_path,
        "CREDMARKET_STRIPE_API_KEY=sk_test_51Realkey\nCREDMARKET_STRIPE_WEBHOOK_SECRET=whsec_real\n",
    )
    env = service_env(config, PAYMENTS)
    assert "CREDMARKET_STRIPE_API_BASE" not in env  # the SDK's own address: api.stripe.com
    assert env["CREDMARKET_STRIPE_API_KEY"] == "sk_test_51Realkey"
    assert env["CREDMARKET_STRIPE_WEBHOOK_SECRET"] == "whsec_real"


def test_a_real_key_without_its_webhook_secret_is_refused(tmp_path: Path) -> None:
    config = stack_at(tmp_path, "CREDMARKET_STRIPE_API_KEY=sk_test_51Realkey\n")
    with pytest.raises(StartupError, match="WEBHOOK_SECRET"):
        real_stripe(config)
