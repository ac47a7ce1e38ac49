"""Issuer signing keys: create (wrapped under the KEK), load the current one to sign."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncSession

from issuance.credentials.keys import (
    EncryptedPrivateKey,
    decrypt_private_key,
    encrypt_private_key,
    generate_private_key,
    public_key_multibase,
)
from issuance.db import repository
from issuance.db.tables import IssuerKey
from issuance.domain.public_urls import did_for
from issuance.domain.signing_keys import next_key_id, wrap_context
from issuance.runtime import IssuanceRuntime


@dataclass(frozen=True)
class SigningKey:
    issuer_did: str
    key_id: str
    private_key: Ed25519PrivateKey

    @property
    def verification_method(self) -> str:
        return f"{self.issuer_did}#{self.key_id}"


class NoSigningKeyError(LookupError):
    """The issuer has no current key (should not happen: creation adds one)."""


def new_key(
    issuer_id: UUID, existing_key_ids: Iterable[str], rt: IssuanceRuntime, now: datetime
) -> tuple[IssuerKey, SigningKey]:
    key_id = next_key_id(existing_key_ids)
    private = generate_private_key()
    wrapped = encrypt_private_key(private, rt.kek_ring, wrap_context(str(issuer_id), key_id))
    row = IssuerKey(
        id=uuid.uuid4(),
        issuer_id=issuer_id,
        key_id=key_id,
        public_key_multibase=public_key_multibase(private.public_key()),
        wrapped_private_key=wrapped.serialize(),
        created_at=now,
    )
    return row, SigningKey(did_for(rt.public_base_url, issuer_id), key_id, private)


def unwrap(row: IssuerKey, rt: IssuanceRuntime) -> SigningKey:
    private = decrypt_private_key(
        EncryptedPrivateKey.parse(row.wrapped_private_key),
        rt.kek_ring,
        wrap_context(str(row.issuer_id), row.key_id),
    )
    return SigningKey(did_for(rt.public_base_url, row.issuer_id), row.key_id, private)


async def current_signing_key(
    session: AsyncSession, issuer_id: UUID, rt: IssuanceRuntime
) -> SigningKey:
    return signing_key(await repository.current_key(session, issuer_id), issuer_id, rt)


def signing_key(row: IssuerKey | None, issuer_id: UUID, rt: IssuanceRuntime) -> SigningKey:
    """The current key ``row`` read for ``issuer_id``, ready to sign."""
    if row is None:
        raise NoSigningKeyError(f"issuer {issuer_id} has no current signing key")
    return unwrap(row, rt)
