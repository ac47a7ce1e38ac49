"""A wallet, holding a token from a redeemed offer, receives a copy bound to its holder DID.

The copy is the learner's credential with another id, the holder's DID as
``credentialSubject.id`` and its own status bit, signed like every other. Revoking the
credential revokes its copies.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import datetime

from credmarket_events.issuance import CredentialDeliveredV1
from sqlalchemy.ext.asyncio import AsyncSession

from issuance.actions.keyring import current_signing_key
from issuance.actions.status_lists import allocate_bit, set_bit
from issuance.actions.wallet_offers import NONCE_PURPOSE
from issuance.credentials import ob3
from issuance.credentials.holder_proof import HolderProofError, verify_holder_proof
from issuance.credentials.schema import schema_errors
from issuance.credentials.status_list import build_status_entry
from issuance.db import repository, wallet_repository
from issuance.db.tables import Credential, DeliveredCredential
from issuance.domain.oauth import OAuthError
from issuance.domain.public_urls import status_list_url
from issuance.domain.wallet_offers import nonce_expiry, secret_hash
from issuance.runtime import IssuanceRuntime


@dataclass(frozen=True)
class Delivery:
    copy: DeliveredCredential
    event: CredentialDeliveredV1


async def deliver_to_wallet(
    session: AsyncSession, access_token: str, proof: str, rt: IssuanceRuntime
) -> Delivery:
    now = rt.clock()
    offer = await wallet_repository.offer_by_token(session, secret_hash(access_token))
    if (
        offer is None
        or offer.token_expires_at is None
        or now >= offer.token_expires_at
        or offer.delivered_at is not None
    ):
        raise OAuthError("invalid_token", "unknown, expired or used access token", 401)
    try:
        verified = verify_holder_proof(proof, audience=rt.public_base_url, now=now)
    except HolderProofError as exc:
        raise OAuthError("invalid_proof", str(exc)) from None
    expires = nonce_expiry(rt.derived_secret(NONCE_PURPOSE), verified.nonce, now)
    if expires is None or not await wallet_repository.spend_nonce(
        session, secret_hash(verified.nonce), expires
    ):
        raise OAuthError("invalid_nonce", "the proof's nonce is unknown, used or expired")
    await wallet_repository.forget_expired_nonces(session, now)

    credential = await repository.get_credential(session, offer.credential_id)
    assert credential is not None, "offers reference their credential (foreign key)"
    if credential.revoked_at is not None:
        raise OAuthError("credential_request_denied", "the credential was revoked")
    copy_row = await _holder_bound_copy(session, credential, verified.holder.did, offer.id, rt)
    offer.delivered_at = now
    await session.flush()
    event = CredentialDeliveredV1(
        credential_id=credential.id,
        enrollment_id=credential.enrollment_id,
        learner_id=credential.learner_id,
        issuer_id=credential.issuer_id,
        channel="openid4vci",
        holder_id=verified.holder.did,
        delivered_credential_id=copy_row.id,
        delivered_at=now,
    )
    return Delivery(copy_row, event)


async def _holder_bound_copy(
    session: AsyncSession,
    credential: Credential,
    holder_did: str,
    offer_id: uuid.UUID,
    rt: IssuanceRuntime,
) -> DeliveredCredential:
    now = rt.clock()
    key = await current_signing_key(session, credential.issuer_id, rt)
    status_list, index = await allocate_bit(session, credential.issuer_id, key, rt, now)
    copy_id = uuid.uuid4()
    document = copy.deepcopy(credential.document)
    document.pop("proof", None)
    document["id"] = f"urn:uuid:{copy_id}"
    document["credentialSubject"]["id"] = holder_did
    document["credentialStatus"] = build_status_entry(
        status_list_url(rt.public_base_url, status_list.id), index
    )
    try:
        signed = ob3.sign_open_badge(
            document, key.private_key, key.verification_method, created=now
        )
    except ValueError as exc:
        raise OAuthError("invalid_proof", f"cannot bind to this holder: {exc}") from None
    errors = schema_errors(signed)
    if errors:
        raise OAuthError("invalid_proof", f"cannot bind to this holder: {errors[:1]}")
    row = DeliveredCredential(
        id=copy_id,
        credential_id=credential.id,
        offer_id=offer_id,
        holder_id=holder_did,
        key_id=key.key_id,
        status_list_id=status_list.id,
        status_index=index,
        document=signed,
        delivered_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def revoke_copies(
    session: AsyncSession, credential: Credential, rt: IssuanceRuntime, now: datetime
) -> None:
    """Set the status bit of every wallet copy of the credential (its fate is theirs)."""
    for row in await wallet_repository.copies_of(session, credential.id, lock=True):
        if row.revoked_at is not None:
            continue
        status_list = await repository.get_status_list(session, row.status_list_id, lock=True)
        assert status_list is not None, "copies reference their list (foreign key)"
        key = await current_signing_key(session, credential.issuer_id, rt)
        set_bit(status_list, row.status_index, key, rt, now)
        row.revoked_at = now
