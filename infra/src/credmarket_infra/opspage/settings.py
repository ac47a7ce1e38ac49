"""What the ops page needs: the broker, the topic prefix, catalog, and who may look."""

from __future__ import annotations

from credmarket_platform.settings import ServiceSettings
from pydantic import AliasChoices, Field


class OpsPageSettings(ServiceSettings):
    service_name: str = "opspage"
    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("CREDMARKET_OPSPAGE_HOST"))
    port: int = Field(default=8090, validation_alias=AliasChoices("CREDMARKET_OPSPAGE_PORT"))
    flow_minutes: int = Field(default=10, ge=1, le=120)
    # Where the webhook overview comes from (ADR 0023); the page forwards the caller's
    # own ops token, so it holds no credential of its own.
    catalog_url: str = Field(
        default="http://127.0.0.1:8001",
        validation_alias=AliasChoices("CREDMARKET_OPSPAGE_CATALOG_URL", "CREDMARKET_CATALOG_URL"),
    )
