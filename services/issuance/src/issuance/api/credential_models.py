"""Request/response models of the credential endpoints."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from credmarket_platform.http.pagination import NEXT_CURSOR_DESCRIPTION
from pydantic import BaseModel, Field

from issuance.domain.credential_state import CredentialState
from issuance.domain.revocation import MAX_REASON_LENGTH


class CredentialSummary(BaseModel):
    """What the service knows about one credential (the document itself is public)."""

    id: UUID
    enrollment_id: UUID
    learner_id: UUID
    issuer_id: UUID
    offering_id: UUID
    achievement_name: str
    issued_at: datetime
    valid_until: datetime | None
    revoked_at: datetime | None
    revocation_reason: str | None
    state: CredentialState
    credential_url: str = Field(description="The signed credential (JSON-LD), public.")
    share_url: str = Field(description="A page to share with people, public.")


class CredentialPage(BaseModel):
    items: list[CredentialSummary]
    next_cursor: str | None = Field(default=None, description=NEXT_CURSOR_DESCRIPTION)
    limit: int = Field(deprecated=True, description="Deprecated: the `limit` asked for.")
    offset: int = Field(deprecated=True, description="Deprecated: use `cursor`.")


class RevokeRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=MAX_REASON_LENGTH, examples=["issued in error"])
