"""Request/response models of the issuer endpoints."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field


class RotatedKeyOut(BaseModel):
    issuer_id: UUID
    key_id: str = Field(description="Fragment of the new key in the DID document.")
    verification_method: str
    public_key_multibase: str
    retired_key_id: str | None = Field(
        description="The key it replaces; still published, so old credentials verify."
    )


class KeyRevocationIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="Why: kept for audit.")


class RevokedKeyOut(BaseModel):
    issuer_id: UUID
    key_id: str
    revoked_at: datetime = Field(
        description="No proof made at or after this moment verifies with the key."
    )
    replaced_by: str | None = Field(
        description="The new signing key, when the revoked key was the one signing."
    )
