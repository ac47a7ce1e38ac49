"""Models of the learner's side of the OB 3.0 API: consent requests and grants."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from credmarket_platform.http.pagination import NEXT_CURSOR_DESCRIPTION
from pydantic import BaseModel, ConfigDict, Field


class ScopeOut(BaseModel):
    scope: str
    description: str


class AuthorizationRequestOut(BaseModel):
    id: UUID
    client_name: str
    client_uri: str | None
    redirect_uri: str
    scopes: list[ScopeOut]
    expires_at: datetime


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool = Field(description="True to let the badge host in with these scopes.")


class DecisionOut(BaseModel):
    redirect_to: str = Field(description="Send the browser here: back to the badge host.")


class GrantOut(BaseModel):
    id: UUID
    client_id: str
    client_name: str
    client_uri: str | None
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None


class GrantList(BaseModel):
    items: list[GrantOut]
    next_cursor: str | None = Field(default=None, description=NEXT_CURSOR_DESCRIPTION)
