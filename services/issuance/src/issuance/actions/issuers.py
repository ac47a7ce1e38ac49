"""Issuers: created from a provider's profile, kept current, keys rotated."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from issuance.actions.keyring import new_key
from issuance.actions.status_lists import new_list, resign
from issuance.credentials.did_web import IssuerKey as PublishedKey
from issuance.credentials.did_web import build_did_document
from issuance.credentials.ob3 import IssuerProfile
from issuance.db import repository
from issuance.db.tables import Issuer, IssuerKey
from issuance.domain.issuer_profile import ProviderProfile, ob3_profile, should_apply
from issuance.domain.key_validity import KeyState, check_rotation, published_keys
from issuance.domain.public_urls import did_for
from issuance.runtime import IssuanceRuntime


def issuer_profile(issuer: Issuer, rt: IssuanceRuntime) -> IssuerProfile:
    return ob3_profile(
        did_for(rt.public_base_url, issuer.id),
        issuer.name,
        url=issuer.url,
        # The contact email is the provider's private address: catalog shows it only
        # to ops and the provider, so it is not put into public profiles and
        # credentials that anyone can read (and that live forever once issued).
        email=None,
        image_url=issuer.image_url,
        description=issuer.description,
    )


async def apply_provider_profile(
    session: AsyncSession, profile: ProviderProfile, rt: IssuanceRuntime
) -> Issuer:
    """Create the issuer (with its first key and status list) or update its profile."""
    now = rt.clock()
    issuer = await repository.get_issuer(session, profile.provider_id, lock=True)
    if issuer is None:
        issuer = Issuer(
            id=profile.provider_id,
            name=profile.name,
            url=profile.website,
            email=profile.contact_email,
            image_url=profile.logo_url,
            description=profile.description,
            profile_as_of=profile.as_of,
            created_at=now,
            updated_at=now,
        )
        session.add(issuer)
        await session.flush()
        key_row, key = new_key(issuer.id, [], rt, now)
        session.add(key_row)
        session.add(new_list(issuer.id, key, rt, now))
        await session.flush()
        return issuer
    if should_apply(issuer.profile_as_of, profile):
        issuer.name = profile.name
        issuer.url = profile.website
        issuer.email = profile.contact_email
        issuer.image_url = profile.logo_url
        issuer.description = profile.description
        issuer.profile_as_of = profile.as_of
        issuer.updated_at = now
    return issuer


@dataclass(frozen=True)
class RotatedKey:
    issuer_id: UUID
    key_id: str
    verification_method: str
    public_key_multibase: str
    retired_key_id: str | None


async def rotate_key(
    session: AsyncSession, issuer_id: UUID, rt: IssuanceRuntime, *, urgent: bool = False
) -> RotatedKey | None:
    """A new current key; the old one is retired but stays published. None: no issuer.

    Raises :class:`RotationRefused` past the rotation policy (``urgent``: the current
    key leaked, so the daily limit does not delay it).
    """
    now = rt.clock()
    # The issuer row lock serialises rotations (and the one-current-key index backs it).
    issuer = await repository.get_issuer(session, issuer_id, lock=True)
    if issuer is None:
        return None
    keys = await repository.issuer_keys(session, issuer_id)
    check_rotation([k.created_at for k in keys], now, rt.rotation_policy, urgent=urgent)
    retired: str | None = None
    for row in keys:
        if row.retired_at is None:
            row.retired_at = now
            retired = row.key_id
    await session.flush()
    key_row, key = new_key(issuer_id, [k.key_id for k in keys], rt, now)
    session.add(key_row)
    # Lists are re-signed at once so that everything served is signed by the current key.
    for status_list in await repository.status_lists_of(session, issuer_id):
        resign(status_list, key, rt, now)
    await session.flush()
    return RotatedKey(
        issuer_id=issuer_id,
        key_id=key.key_id,
        verification_method=key.verification_method,
        public_key_multibase=key_row.public_key_multibase,
        retired_key_id=retired,
    )


async def did_document(
    session: AsyncSession, issuer_id: UUID, rt: IssuanceRuntime
) -> dict[str, Any] | None:
    keys = await repository.issuer_keys(session, issuer_id)
    if not keys:
        return None
    return build_did_document(
        did_for(rt.public_base_url, issuer_id),
        [PublishedKey(k.key_id, k.public_key_multibase) for k in published_keys(key_states(keys))],
    )


def key_states(keys: Iterable[IssuerKey]) -> list[KeyState]:
    return [KeyState(k.key_id, k.public_key_multibase, k.retired_at, k.revoked_at) for k in keys]


@dataclass(frozen=True)
class RevokedKey:
    issuer_id: UUID
    key_id: str
    revoked_at: datetime
    replaced_by: str | None
    """The new signing key, when the revoked key was the one signing."""


class UnknownKeyError(LookupError):
    pass


async def revoke_key(
    session: AsyncSession, issuer_id: UUID, key_id: str, reason: str, rt: IssuanceRuntime
) -> RevokedKey | None:
    """Withdraw a leaked key: out of the DID document, no proofs made from now on.

    When it is the signing key, a new one takes over first (status lists re-signed).
    Revoking a revoked key changes nothing. None: no issuer.
    """
    issuer = await repository.get_issuer(session, issuer_id, lock=True)
    if issuer is None:
        return None
    keys = {k.key_id: k for k in await repository.issuer_keys(session, issuer_id)}
    target = keys.get(key_id)
    if target is None:
        raise UnknownKeyError(key_id)
    if target.revoked_at is not None:
        return RevokedKey(issuer_id, key_id, target.revoked_at, None)
    replaced_by: str | None = None
    if target.retired_at is None:
        rotated = await rotate_key(session, issuer_id, rt, urgent=True)
        assert rotated is not None, "the issuer row is locked and exists"
        replaced_by = rotated.key_id
    now = rt.clock()
    target.revoked_at = now
    target.revocation_reason = reason[:500]
    await session.flush()
    return RevokedKey(issuer_id, key_id, now, replaced_by)
