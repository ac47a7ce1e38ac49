"""The env file every service and test reads to find the local stack."""

from __future__ import annotations

from urllib.parse import quote

from credmarket_infra.stack.config import HOST, SERVICE_DATABASES, StackConfig

# Dev default only: localstripe accepts any key that looks like a test key.
LOCAL_STRIPE_API_KEY = "sk_test_credmarket_local"
# Publishable keys are public; the stand-in's Stripe.js mock takes any pk_test_ key.
LOCAL_STRIPE_PUBLISHABLE_KEY = "pk_test_credmarket_local"


def database_url(config: StackConfig, database: str) -> str:
    user = quote(config.pg_user, safe="")
    password = quote(config.pg_password, safe="")
    return f"postgresql+asyncpg://{user}:{password}@{HOST}:{config.pg_port}/{database}"


def render_env(config: StackConfig) -> str:
    values = {
        "CREDMARKET_KAFKA_BOOTSTRAP": config.kafka_bootstrap,
        "CREDMARKET_PG_HOST": HOST,
        "CREDMARKET_PG_PORT": str(config.pg_port),
        "CREDMARKET_PG_USER": config.pg_user,
        "CREDMARKET_PG_PASSWORD": config.pg_password,
        "CREDMARKET_STRIPE_API_BASE": config.stripe_api_base,
        "CREDMARKET_STRIPE_API_KEY": LOCAL_STRIPE_API_KEY,
        "CREDMARKET_STRIPE_PUBLISHABLE_KEY": LOCAL_STRIPE_PUBLISHABLE_KEY,
        # The stand-in serves its own Stripe.js mock, which talks to the stand-in.
        "CREDMARKET_STRIPE_JS_URL": f"{config.stripe_api_base}/js.stripe.com/v3/",
    }
    for service in SERVICE_DATABASES:
        values[f"CREDMARKET_{service.upper()}_DATABASE_URL"] = database_url(config, service)
    lines = ["# Written by `credmarket-stack up`; the local stack's addresses. Do not edit."]
    lines += [f"{key}={value}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def write_env(config: StackConfig) -> None:
    config.env_file.write_text(render_env(config))


def parse_env(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values
