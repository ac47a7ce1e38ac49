"""What the ops page needs: the broker, the topic prefix, and who may look."""

from __future__ import annotations

from credmarket_platform.settings import ServiceSettings
from pydantic import AliasChoices, Field


class OpsPageSettings(ServiceSettings):
    service_name: str = "opspage"
    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("CREDMARKET_OPSPAGE_HOST"))
    port: int = Field(default=8090, validation_alias=AliasChoices("CREDMARKET_OPSPAGE_PORT"))
    flow_minutes: int = Field(default=10, ge=1, le=120)
