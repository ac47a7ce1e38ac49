"""Request and response bodies of the provider and API-key endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from credmarket_platform.http.pagination import NEXT_CURSOR_DESCRIPTION
from pydantic import BaseModel, ConfigDict, Field

Text200 = Field(max_length=200)


class ProviderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    contact_email: str = Field(max_length=320, examples=["courses@academy.example"])
    website: str | None = Field(default=None, max_length=2048)
    description: str | None = Field(default=None, max_length=5000)
    logo_url: str | None = Field(default=None, max_length=2048)


class ProviderPatch(BaseModel):
    """Only the fields given change; ``name`` and ``contact_email`` cannot be removed."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    contact_email: str | None = Field(default=None, max_length=320)
    website: str | None = Field(default=None, max_length=2048)
    description: str | None = Field(default=None, max_length=5000)
    logo_url: str | None = Field(default=None, max_length=2048)


class Provider(BaseModel):
    id: UUID
    name: str
    website: str | None
    description: str | None
    logo_url: str | None
    contact_email: str | None = Field(description="Shown only to ops and the provider itself.")
    registered_at: datetime
    updated_at: datetime


KeyStatus = Literal["active", "expiring", "expired", "revoked"]


class ApiKey(BaseModel):
    """A key as listed: never its secret."""

    id: UUID
    prefix: str = Field(description="`cmk_<prefix>_...`: tells keys apart without the secret.")
    status: KeyStatus
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiKeyPage(BaseModel):
    items: list[ApiKey]
    next_cursor: str | None = Field(description=NEXT_CURSOR_DESCRIPTION)


class IssuedApiKey(ApiKey):
    key: str = Field(description="The full key. Shown this once; only its hash is stored.")


class ProviderRegistered(BaseModel):
    provider: Provider
    api_key: IssuedApiKey


class KeyRotation(BaseModel):
    """Issue a new key; optionally retire an old one now or after a grace period."""

    model_config = ConfigDict(extra="forbid")

    replaces: UUID | None = Field(default=None, description="The key the new one replaces.")
    grace_period_s: int = Field(
        default=0,
        ge=0,
        le=7 * 24 * 3600,
        description="Seconds the replaced key keeps working (0 = revoke it now).",
    )
