"""Request/response models of the issuer endpoints."""

from __future__ import annotations

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
