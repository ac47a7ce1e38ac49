"""Events emitted by the issuance service."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import Field

from credmarket_events.base import EventData
from credmarket_events.registry import register
from credmarket_events.topics import CREDENTIALS
from credmarket_events.values import HttpUrl, UtcDateTime


class CredentialIssuedV1(EventData):
    """Issuance emits this once it signed and stored a learner's credential.

    Enrollment links the credential to the enrollment so the learner finds it.
    """

    event_type: ClassVar[str] = "credmarket.issuance.credential.issued.v1"
    key_field: ClassVar[str] = "credential_id"

    credential_id: UUID
    enrollment_id: UUID
    learner_id: UUID
    issuer_id: UUID = Field(description="The issuer profile: one per provider.")
    public_url: HttpUrl = Field(description="Where anyone can view and verify the credential.")
    issued_at: UtcDateTime
    valid_until: UtcDateTime | None = None


class CredentialRevokedV1(EventData):
    """Issuance emits this when it revoked a credential in its status list.

    Follows EnrollmentRevokedV1. Enrollment marks the linked credential revoked.
    """

    event_type: ClassVar[str] = "credmarket.issuance.credential.revoked.v1"
    key_field: ClassVar[str] = "credential_id"

    credential_id: UUID
    enrollment_id: UUID
    reason: str = Field(min_length=1, max_length=500)
    revoked_at: UtcDateTime


register(CredentialIssuedV1, CREDENTIALS, producer="issuance", consumers=("enrollment", "catalog"))
register(CredentialRevokedV1, CREDENTIALS, producer="issuance", consumers=("enrollment", "catalog"))
