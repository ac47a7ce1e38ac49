"""Bodies of the token exchange and key-management endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_key: str = Field(max_length=200, examples=["cmk_ab12cd34_..."])


class ProviderToken(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a scheme name, not a secret
    expires_in: int = Field(description="Seconds until the token expires.")
    provider_id: UUID


class Jwks(BaseModel):
    keys: list[dict[str, Any]]


class SigningKey(BaseModel):
    kid: str
    created_at: datetime
