"""The catalog's own settings, next to the ones every service shares."""

from __future__ import annotations

import hashlib
from typing import Literal

from credmarket_platform.kek import kek_setting, resolve_kek
from credmarket_platform.settings import ServiceSettings, service_database_url
from pydantic import AliasChoices, Field, SecretStr

# Public by construction: used only when dev mode is switched on explicitly.
DEV_KEK = hashlib.sha256(b"credmarket-catalog-development-kek").digest()


class CatalogSettings(ServiceSettings):
    service_name: str = "catalog"
    database_url: str = service_database_url("catalog")
    port: int = Field(default=8001, validation_alias=AliasChoices("CREDMARKET_CATALOG_PORT"))
    signing_kek: SecretStr | None = kek_setting(
        "CREDMARKET_CATALOG_SIGNING_KEK",
        seals="provider-token signing keys, webhook secrets and replayed answers",
    )
    provider_token_issuer: str = Field(
        default="credmarket-catalog",
        validation_alias=AliasChoices("CREDMARKET_CATALOG_TOKEN_ISSUER"),
    )
    provider_token_ttl_s: int = Field(
        default=900, ge=60, le=3600, validation_alias=AliasChoices("CREDMARKET_CATALOG_TOKEN_TTL_S")
    )
    # How long a rotated-out signing key stays in the JWKS beyond the token lifetime,
    # for verifiers' clock skew.
    signing_key_overlap_s: int = 120
    max_api_key_grace_s: int = 7 * 24 * 3600
    # Relevance ranks the newest this many matches, then lists older ones newest first:
    # ranking every match of a common word does not scale (ADR 0010).
    ranked_candidates: int = Field(
        default=1000,
        ge=1,
        le=100_000,
        validation_alias=AliasChoices("CREDMARKET_CATALOG_RANKED_CANDIDATES"),
    )
    # Search answers are public; this bounds how stale a cached one may be (ADR 0010).
    # One second: the engine makes an offering searchable within a second of its
    # publication (ADR 0022), and a longer gateway cache would hide that from learners.
    search_cache_ttl_s: int = Field(
        default=1,
        ge=0,
        le=300,
        validation_alias=AliasChoices("CREDMARKET_CATALOG_SEARCH_CACHE_TTL_S"),
    )
    # Public search: the engine's index per replica (ADR 0022), or PostgreSQL full-text
    # search as before (ADR 0010): a fallback, and the benchmark's baseline.
    search_backend: Literal["engine", "database"] = Field(
        default="engine", validation_alias=AliasChoices("CREDMARKET_CATALOG_SEARCH_BACKEND")
    )
    # Unset: each process keeps its index in memory. Set: each process makes its index
    # directory under this one (memory-mapped; removed at shutdown).
    search_index_dir: str | None = Field(
        default=None, validation_alias=AliasChoices("CREDMARKET_CATALOG_SEARCH_INDEX_DIR")
    )
    search_writer_heap_mb: int = Field(
        default=64,
        ge=15,
        le=2048,
        validation_alias=AliasChoices("CREDMARKET_CATALOG_SEARCH_WRITER_HEAP_MB"),
    )

    # Webhooks (ADR 0023).
    webhook_retry_window_s: int = Field(
        default=3 * 24 * 3600,
        ge=60,
        validation_alias=AliasChoices("CREDMARKET_CATALOG_WEBHOOK_RETRY_WINDOW_S"),
        description="How long a message is retried, and how long an endpoint may fail "
        "without one success before it is disabled.",
    )
    webhook_backoff_initial_s: float = Field(default=5.0, gt=0)
    webhook_backoff_max_s: float = Field(default=6 * 3600.0, gt=0)
    webhook_poll_interval_s: float = Field(
        default=0.5, gt=0, validation_alias=AliasChoices("CREDMARKET_CATALOG_WEBHOOK_POLL_S")
    )
    # Deliveries in flight to one endpoint at once, across every replica: a slow
    # receiver holds at most this many of the worker's slots.
    webhook_endpoint_concurrency: int = Field(default=4, ge=1, le=64)
    webhook_max_in_flight: int = Field(default=64, ge=1, le=1024)
    webhook_connect_timeout_s: float = Field(default=3.0, gt=0, le=30)
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=60)
    webhook_response_excerpt_bytes: int = Field(default=1024, ge=0, le=65536)
    webhook_max_endpoints_per_provider: int = Field(default=10, ge=1, le=100)
    webhook_max_secret_overlap_s: int = 7 * 24 * 3600
    # Unset: follow dev mode. A production catalog never delivers over plain HTTP or
    # to loopback, link-local, private or metadata addresses; tests set these apart
    # from dev mode to see the refusals.
    webhook_allow_http: bool | None = Field(
        default=None, validation_alias=AliasChoices("CREDMARKET_CATALOG_WEBHOOK_ALLOW_HTTP")
    )
    webhook_allow_private_addresses: bool | None = Field(
        default=None,
        validation_alias=AliasChoices("CREDMARKET_CATALOG_WEBHOOK_ALLOW_PRIVATE_ADDRESSES"),
    )
    # How long finished deliveries stay in the log (pending ones stay until they finish).
    webhook_log_retention_s: int = Field(
        default=30 * 24 * 3600,
        ge=3600,
        validation_alias=AliasChoices("CREDMARKET_CATALOG_WEBHOOK_LOG_RETENTION_S"),
    )
    run_webhook_delivery: bool = True

    def kek(self) -> bytes:
        """The key sealing signing keys, webhook secrets and replayed answers at rest."""
        return resolve_kek(
            self.signing_kek,
            variable="CREDMARKET_CATALOG_SIGNING_KEK",
            dev_mode=self.dev_mode,
            dev_kek=DEV_KEK,
        )

    @property
    def webhooks_allow_http(self) -> bool:
        return self.dev_mode if self.webhook_allow_http is None else self.webhook_allow_http

    @property
    def webhooks_allow_private(self) -> bool:
        if self.webhook_allow_private_addresses is None:
            return self.dev_mode
        return self.webhook_allow_private_addresses
