"""Events emitted by the issuance service."""

from __future__ import annotations

from typing import ClassVar, Literal
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


class CredentialDeliveredV1(EventData):
    """Issuance emits this when a credential left for a learner's wallet or badge host.

    ``openid4vci``: a wallet received a copy bound to its holder DID (its own id and status
    entry, revoked with the original). ``ob3_api``: a badge host the learner authorised
    fetched the credential through the Open Badges 3.0 API (once per host and credential).
    Ops and providers see where credentials went; nothing in the flow waits for it.
    """

    event_type: ClassVar[str] = "credmarket.issuance.credential.delivered.v1"
    key_field: ClassVar[str] = "credential_id"

    credential_id: UUID = Field(description="The credential issued for the enrollment.")
    enrollment_id: UUID
    learner_id: UUID
    issuer_id: UUID
    channel: Literal["openid4vci", "ob3_api"]
    holder_id: str = Field(
        min_length=1,
        max_length=2048,
        description="The wallet's DID (openid4vci) or urn:credmarket:badge-host:<client id>.",
    )
    delivered_credential_id: UUID = Field(
        description="The id of what was delivered: a holder-bound copy, or the credential itself."
    )
    delivered_at: UtcDateTime


register(CredentialIssuedV1, CREDENTIALS, producer="issuance", consumers=("enrollment", "catalog"))
register(CredentialRevokedV1, CREDENTIALS, producer="issuance", consumers=("enrollment", "catalog"))
register(CredentialDeliveredV1, CREDENTIALS, producer="issuance", consumers=())
