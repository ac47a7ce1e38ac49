"""The issuance service's own tables, on its own registry and MetaData."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

issuance_registry = registry(metadata=sa.MetaData())
issuance_metadata = issuance_registry.metadata


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _now_column(**kwargs: Any) -> Any:
    return Field(sa_type=_utc(), sa_column_kwargs={"server_default": sa.func.now(), **kwargs})


class IssuanceModel(SQLModel, registry=issuance_registry):
    """Base of this service's tables: keeps them out of SQLModel's shared MetaData."""


class Issuer(IssuanceModel, table=True):
    """One per provider: the public Profile credentials name as their issuer."""

    __tablename__ = "issuers"

    id: UUID = Field(primary_key=True, description="The provider id.")
    name: str = Field(max_length=200)
    url: str | None = Field(default=None, max_length=2048)
    email: str | None = Field(default=None, max_length=320)
    image_url: str | None = Field(default=None, max_length=2048)
    description: str | None = Field(default=None, sa_type=sa.Text)
    profile_as_of: datetime = Field(sa_type=_utc())
    created_at: datetime = _now_column()
    updated_at: datetime = _now_column()


class IssuerKey(IssuanceModel, table=True):
    """Every Ed25519 key an issuer ever signed with; the unretired one signs now.

    Retired keys stay published in the DID document so old credentials verify (only
    proofs made before the retirement). Revoked keys (leaked) leave the document, and
    this service's verifier accepts them only for proofs made before the revocation.
    """

    __tablename__ = "issuer_keys"
    __table_args__ = (
        sa.UniqueConstraint("issuer_id", "key_id", name="uq_issuer_keys_issuer_key"),
        # At most one signing key per issuer, whatever races rotation.
        sa.Index(
            "uq_issuer_keys_one_current",
            "issuer_id",
            unique=True,
            postgresql_where=sa.text("retired_at IS NULL"),
        ),
    )

    id: UUID = Field(primary_key=True)
    issuer_id: UUID = Field(foreign_key="issuers.id", index=True)
    key_id: str = Field(max_length=40, description="Fragment in the DID document.")
    public_key_multibase: str = Field(max_length=100)
    wrapped_private_key: str = Field(sa_type=sa.Text, description="KEK-wrapped, never plain.")
    created_at: datetime = _now_column()
    retired_at: datetime | None = Field(default=None, sa_type=_utc())
    revoked_at: datetime | None = Field(default=None, sa_type=_utc())
    revocation_reason: str | None = Field(default=None, max_length=500)


class StatusList(IssuanceModel, table=True):
    """An issuer's revocation Bitstring Status List and its signed credential."""

    __tablename__ = "status_lists"
    __table_args__ = (
        sa.CheckConstraint("size >= 131072 AND size % 8 = 0", name="ck_status_lists_size"),
    )

    id: UUID = Field(primary_key=True)
    issuer_id: UUID = Field(foreign_key="issuers.id", index=True)
    purpose: str = Field(default="revocation", max_length=20)
    size: int
    bits: bytes = Field(sa_type=sa.LargeBinary)
    signed_credential: dict[str, Any] = Field(sa_type=JSONB)
    created_at: datetime = _now_column()
    updated_at: datetime = _now_column()


class Credential(IssuanceModel, table=True):
    """A signed OpenBadgeCredential issued for one enrollment."""

    __tablename__ = "credentials"
    __table_args__ = (
        # Two credentials sharing a bit would be revoked together.
        sa.UniqueConstraint("status_list_id", "status_index", name="uq_credentials_status_bit"),
        sa.CheckConstraint("status_index >= 0", name="ck_credentials_status_index"),
    )

    id: UUID = Field(primary_key=True)
    enrollment_id: UUID = Field(unique=True, description="One credential per enrollment.")
    learner_id: UUID = Field(index=True)
    learner_name: str | None = Field(default=None, max_length=200)
    issuer_id: UUID = Field(foreign_key="issuers.id", index=True)
    offering_id: UUID
    achievement_name: str = Field(max_length=200)
    key_id: str = Field(max_length=40)
    status_list_id: UUID = Field(foreign_key="status_lists.id")
    status_index: int
    document: dict[str, Any] = Field(sa_type=JSONB)
    issued_at: datetime = Field(sa_type=_utc())
    valid_until: datetime | None = Field(default=None, sa_type=_utc())
    revoked_at: datetime | None = Field(default=None, sa_type=_utc())
    revocation_reason: str | None = Field(default=None, max_length=500)


class EnrollmentRevocation(IssuanceModel, table=True):
    """An enrollment revoked before (or without) its credential: none is issued later."""

    __tablename__ = "enrollment_revocations"

    enrollment_id: UUID = Field(primary_key=True)
    reason: str = Field(max_length=500)
    revoked_at: datetime = Field(sa_type=_utc())


class WalletOffer(IssuanceModel, table=True):
    """An OpenID4VCI credential offer (pre-authorized code) a learner made for a wallet.

    Codes and tokens are kept as SHA-256 hashes only; the learner saw them once.
    """

    __tablename__ = "wallet_offers"

    id: UUID = Field(primary_key=True)
    credential_id: UUID = Field(foreign_key="credentials.id", index=True)
    code_hash: str = Field(max_length=64, unique=True)
    tx_code_hash: str | None = Field(default=None, max_length=64)
    failed_tx_attempts: int = 0
    expires_at: datetime = Field(sa_type=_utc())
    redeemed_at: datetime | None = Field(default=None, sa_type=_utc())
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    token_expires_at: datetime | None = Field(default=None, sa_type=_utc())
    delivered_at: datetime | None = Field(default=None, sa_type=_utc())
    created_at: datetime = _now_column()


class DeliveredCredential(IssuanceModel, table=True):
    """A copy of a credential bound to a wallet's holder DID, with its own status bit.

    Revoking the credential revokes its copies (they share the enrollment's fate).
    """

    __tablename__ = "delivered_credentials"
    __table_args__ = (
        sa.UniqueConstraint(
            "status_list_id", "status_index", name="uq_delivered_credentials_status_bit"
        ),
    )

    id: UUID = Field(primary_key=True)
    credential_id: UUID = Field(foreign_key="credentials.id", index=True)
    offer_id: UUID = Field(foreign_key="wallet_offers.id", unique=True)
    holder_id: str = Field(max_length=2048)
    key_id: str = Field(max_length=40)
    status_list_id: UUID = Field(foreign_key="status_lists.id")
    status_index: int
    document: dict[str, Any] = Field(sa_type=JSONB)
    delivered_at: datetime = Field(sa_type=_utc())
    revoked_at: datetime | None = Field(default=None, sa_type=_utc())


class UsedNonce(IssuanceModel, table=True):
    """A proof nonce already spent; kept until it would have expired anyway."""

    __tablename__ = "used_nonces"

    nonce_hash: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(sa_type=_utc(), index=True)


class BadgeHostClient(IssuanceModel, table=True):
    """A badge host registered itself (RFC 7591 dynamic client registration)."""

    __tablename__ = "badge_host_clients"

    client_id: str = Field(primary_key=True, max_length=64)
    secret_hash: str = Field(max_length=64)
    client_name: str = Field(max_length=200)
    client_uri: str | None = Field(default=None, max_length=2048)
    redirect_uris: list[str] = Field(sa_type=JSONB)
    scope: str = Field(max_length=1000)
    created_at: datetime = _now_column()


class BadgeHostAuthorization(IssuanceModel, table=True):
    """One authorization request: waiting for the learner, then an authorization code."""

    __tablename__ = "badge_host_authorizations"

    id: UUID = Field(primary_key=True)
    client_id: str = Field(foreign_key="badge_host_clients.client_id", max_length=64)
    redirect_uri: str = Field(max_length=2048)
    scope: str = Field(max_length=1000)
    state: str | None = Field(default=None, max_length=1024)
    code_challenge: str = Field(max_length=128)
    expires_at: datetime = Field(sa_type=_utc())
    learner_id: UUID | None = None
    decision: str | None = Field(default=None, max_length=10)
    code_hash: str | None = Field(default=None, max_length=64, unique=True)
    code_expires_at: datetime | None = Field(default=None, sa_type=_utc())
    code_used_at: datetime | None = Field(default=None, sa_type=_utc())


class BadgeHostGrant(IssuanceModel, table=True):
    """A learner's consent to a badge host: revocable, and revoking it ends its tokens."""

    __tablename__ = "badge_host_grants"

    id: UUID = Field(primary_key=True)
    client_id: str = Field(foreign_key="badge_host_clients.client_id", max_length=64)
    learner_id: UUID = Field(index=True)
    scope: str = Field(max_length=1000)
    created_at: datetime = Field(sa_type=_utc())
    revoked_at: datetime | None = Field(default=None, sa_type=_utc())


class BadgeHostToken(IssuanceModel, table=True):
    """An access or refresh token of a grant, kept as a SHA-256 hash."""

    __tablename__ = "badge_host_tokens"

    token_hash: str = Field(primary_key=True, max_length=64)
    grant_id: UUID = Field(foreign_key="badge_host_grants.id", index=True)
    kind: str = Field(max_length=10, description="access or refresh")
    expires_at: datetime = Field(sa_type=_utc())
    used_at: datetime | None = Field(default=None, sa_type=_utc())


class HostedCredential(IssuanceModel, table=True):
    """A credential a badge host put into a learner's account (upsertCredential)."""

    __tablename__ = "hosted_credentials"
    __table_args__ = (
        sa.UniqueConstraint("learner_id", "credential_key", name="uq_hosted_credentials_key"),
    )

    id: UUID = Field(primary_key=True)
    learner_id: UUID = Field(index=True)
    credential_key: str = Field(max_length=2048, description="The credential's own id.")
    document: dict[str, Any] = Field(sa_type=JSONB)
    client_id: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=_utc())
    updated_at: datetime = Field(sa_type=_utc())


class BadgeHostDelivery(IssuanceModel, table=True):
    """A credential of ours a badge host fetched: told once per host and credential."""

    __tablename__ = "badge_host_deliveries"

    client_id: str = Field(primary_key=True, max_length=64)
    credential_id: UUID = Field(primary_key=True, foreign_key="credentials.id")
    delivered_at: datetime = Field(sa_type=_utc())
