"""Settings every service shares; each service subclasses with its own prefix.

Values come from the environment, then from the local stack's env file
(`.stack/stack.env`), so a service started by `./dev up` finds Kafka,
PostgreSQL and the Stripe stand-in without flags.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Self

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# HS256 token secrets that were once published as defaults (docker-compose.yml before
# ADR 0019): anyone can sign with them, so no service accepts them, even in dev mode.
PUBLISHED_DEV_SECRETS = frozenset({"dev-only-jwt-secret-not-for-production"})
DEV_SECRET_MIN_BYTES = 32


def default_env_files() -> tuple[str, ...]:
    explicit = os.environ.get("CREDMARKET_ENV_FILE")
    if explicit:
        return (explicit,)
    here = Path.cwd()
    for folder in (here, *here.parents):
        candidate = folder / ".stack" / "stack.env"
        if candidate.exists():
            return (str(candidate), str(folder / ".env"))
    return (".env",)


class ServiceSettings(BaseSettings):
    """What the plumbing of any service needs.

    Subclasses set ``service_name`` and may add fields; shared names are read
    as declared (``CREDMARKET_KAFKA_BOOTSTRAP``), the service's own database URL as
    ``CREDMARKET_<SERVICE>_DATABASE_URL`` (or ``DATABASE_URL``), every other knob as
    ``CREDMARKET_<FIELD NAME>`` (``CREDMARKET_RUN_RELAY``).
    """

    model_config = SettingsConfigDict(
        env_file=default_env_files(),
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        # Knobs without an explicit alias read CREDMARKET_<FIELD>, never a bare name
        # like RUN_RELAY that another program's environment could also set.
        env_prefix="CREDMARKET_",
    )

    service_name: str = "service"
    database_url: str = Field(
        default="postgresql+asyncpg://credmarket:credmarket@127.0.0.1:15432/postgres",
        validation_alias=AliasChoices("DATABASE_URL"),
    )
    kafka_bootstrap: str = Field(
        default="127.0.0.1:19092", validation_alias=AliasChoices("CREDMARKET_KAFKA_BOOTSTRAP")
    )
    # Tests give every run its own topic names so they never see each other's events.
    topic_prefix: str = Field(default="", validation_alias=AliasChoices("CREDMARKET_TOPIC_PREFIX"))
    consumer_group: str = ""
    public_base_url: str = "http://127.0.0.1:8000"

    # HTTP serving. Loopback by default so a dev machine exposes nothing; containers
    # set CREDMARKET_HTTP_HOST=0.0.0.0 (infra/docker/Dockerfile).
    port: int = 8000
    http_host: str = "127.0.0.1"
    # Server processes on the one port; each runs the service's background tasks too
    # (consumers, relay, sweeps), which are safe as replicas (ADR 0008).
    web_workers: int = Field(default=1, ge=1)
    # Requests one process works on at once; more are answered 503 + Retry-After at
    # once (0: no limit). Sized so a full process still answers within a few hundred
    # ms at our per-request costs (docs/adr/0018).
    http_max_in_flight: int = Field(default=64, ge=0)
    # Request bodies, counted as read (0: no limit); the gateway's limit is the same.
    http_max_body_bytes: int = Field(default=1024 * 1024, ge=0)

    # Development conveniences (built-in key-encryption keys, an HS256 token secret) are
    # allowed only with CREDMARKET_DEV_MODE=true; without it a service refuses to start
    # with a dev secret set (ADR 0019).
    dev_mode: bool = Field(default=False, validation_alias=AliasChoices("CREDMARKET_DEV_MODE"))

    # Auth: trusted token issuers. JWKS URLs in production; an HS256 secret in dev.
    jwt_issuers: str = Field(
        default="credmarket-dev",
        validation_alias=AliasChoices("CREDMARKET_JWT_ISSUERS"),
        description="Comma-separated issuer names accepted in the `iss` claim.",
    )
    jwt_jwks_urls: str = Field(
        default="",
        validation_alias=AliasChoices("CREDMARKET_JWT_JWKS_URLS"),
        description="Comma-separated `issuer=jwks_url` pairs.",
    )
    jwt_dev_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("CREDMARKET_JWT_DEV_SECRET")
    )
    jwt_audience: str = Field(
        default="credmarket", validation_alias=AliasChoices("CREDMARKET_JWT_AUDIENCE")
    )

    # Messaging tuning.
    relay_batch_size: int = 200
    relay_poll_interval_s: float = 1.0
    relay_send_timeout_s: float = 10.0
    consumer_max_attempts: int = 5
    consumer_backoff_initial_s: float = 0.1
    consumer_backoff_max_s: float = 5.0
    consumer_commit_interval_s: float = 0.5
    run_consumer: bool = True
    # Every connection of the service's pool waits at most this long for a row lock and
    # runs a statement at most this long (0: no limit); the error that ends the wait is
    # transient (credmarket_platform.failures), so the work is retried, not stuck.
    db_lock_timeout_ms: int = Field(default=5_000, ge=0)
    db_statement_timeout_ms: int = Field(default=30_000, ge=0)
    # Housekeeping of the plumbing's tables (see credmarket_platform.db.housekeeping).
    idempotency_key_retention_s: float = 24 * 3600
    sent_outbox_retention_s: float = 7 * 24 * 3600
    housekeeping_interval_s: float = 3600
    run_relay: bool = True
    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("jwt_dev_secret", mode="after")
    @classmethod
    def _empty_secret_is_none(cls, value: SecretStr | None) -> SecretStr | None:
        # Compose and Kubernetes pass an unset secret as an empty string.
        return value if value is not None and value.get_secret_value() else None

    @model_validator(mode="after")
    def _dev_secret_only_in_dev_mode(self) -> Self:
        if self.jwt_dev_secret is None:
            return self
        secret = self.jwt_dev_secret.get_secret_value()
        if not self.dev_mode:
            raise ValueError(
                "CREDMARKET_JWT_DEV_SECRET is set but CREDMARKET_DEV_MODE is not true: outside "
                "development, unset it and trust your identity provider through "
                "CREDMARKET_JWT_JWKS_URLS"
            )
        if secret in PUBLISHED_DEV_SECRETS:
            raise ValueError(
                "CREDMARKET_JWT_DEV_SECRET is a published default that anyone can sign with; "
                "generate one (e.g. `openssl rand -base64 32`)"
            )
        if len(secret.encode()) < DEV_SECRET_MIN_BYTES:
            raise ValueError(
                f"CREDMARKET_JWT_DEV_SECRET must be at least {DEV_SECRET_MIN_BYTES} bytes"
            )
        return self

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    def group(self) -> str:
        return f"{self.topic_prefix}{self.consumer_group or self.service_name}"


def service_alias(service: str, name: str) -> AliasChoices:
    """A knob of one service: ``CREDMARKET_<SERVICE>_<NAME>`` first, so one environment
    can hold every service's value, then the shared ``CREDMARKET_<NAME>``."""
    return AliasChoices(f"CREDMARKET_{service.upper()}_{name}", f"CREDMARKET_{name}")


def service_database_alias(service: str) -> AliasChoices:
    """Database URL alias for a service: its own variable first, then DATABASE_URL."""
    return AliasChoices(f"CREDMARKET_{service.upper()}_DATABASE_URL", "DATABASE_URL")


def service_database_url(service: str) -> Any:
    """The ``database_url`` field of a service: its own database on the local stack by
    default, ``CREDMARKET_<SERVICE>_DATABASE_URL`` (or ``DATABASE_URL``) when set."""
    return Field(
        default=f"postgresql+asyncpg://credmarket:credmarket@127.0.0.1:15432/{service}",
        validation_alias=service_database_alias(service),
    )
