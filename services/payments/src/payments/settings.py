"""The payments service's own knobs."""

from __future__ import annotations

from urllib.parse import urlparse

from credmarket_platform.settings import ServiceSettings, service_alias, service_database_url
from pydantic import Field, SecretStr


class PaymentsSettings(ServiceSettings):
    service_name: str = "payments"
    port: int = Field(default=8003, validation_alias=service_alias("payments", "PORT"))
    database_url: str = service_database_url("payments")

    stripe_api_key: SecretStr = Field(
        default=SecretStr("sk_test_unset"),
        validation_alias=service_alias("payments", "STRIPE_API_KEY"),
    )
    stripe_api_base: str | None = Field(
        default=None,
        validation_alias=service_alias("payments", "STRIPE_API_BASE"),
        description="Unset for real Stripe; the local stand-in's address otherwise.",
    )
    stripe_publishable_key: str = Field(
        default="",
        validation_alias=service_alias("payments", "STRIPE_PUBLISHABLE_KEY"),
        description="pk_test_/pk_live_ key given to browsers by GET /v1/config (public).",
    )
    stripe_js_url: str = Field(
        default="https://js.stripe.com/v3/",
        validation_alias=service_alias("payments", "STRIPE_JS_URL"),
        description="Stripe.js for browsers; the local stack points it at the stand-in's mock.",
    )
    stripe_webhook_secret: SecretStr = Field(
        default=SecretStr(""), validation_alias=service_alias("payments", "STRIPE_WEBHOOK_SECRET")
    )
    stripe_localstripe: bool | None = Field(
        default=None,
        validation_alias=service_alias("payments", "STRIPE_LOCALSTRIPE"),
        description="Leave out parameters localstripe rejects; default: any non-Stripe base.",
    )
    stripe_max_network_retries: int = Field(default=2, ge=0, le=5)
    # One HTTP attempt to Stripe; a timeout is a transient failure (retried by the
    # consumer, or 503 to an API caller, who repeats with the same Idempotency-Key).
    stripe_timeout_s: float = Field(
        default=30.0, gt=0, validation_alias=service_alias("payments", "STRIPE_TIMEOUT_S")
    )
    stripe_webhook_tolerance_s: int = Field(default=300, ge=1)

    platform_fee_bps: int = Field(
        default=1500,
        ge=0,
        le=10_000,
        validation_alias=service_alias("payments", "PLATFORM_FEE_BPS"),
    )
    provider_refund_window_days: int = Field(
        default=14, ge=0, validation_alias=service_alias("payments", "PROVIDER_REFUND_WINDOW_DAYS")
    )

    # Reconciliation: ask Stripe about payments still pending this long after their
    # last change; a lost webhook then costs the learner minutes, not access.
    reconcile_after_s: float = Field(default=600.0, ge=0)
    reconcile_interval_s: float = Field(default=60.0, gt=0)
    reconcile_batch_size: int = Field(default=50, ge=1)
    run_sweeps: bool = True

    @property
    def uses_localstripe(self) -> bool:
        if self.stripe_localstripe is not None:
            return self.stripe_localstripe
        if not self.stripe_api_base:
            return False
        host = urlparse(self.stripe_api_base).hostname or ""
        return not host.endswith("stripe.com")
