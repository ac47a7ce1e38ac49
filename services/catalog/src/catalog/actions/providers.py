"""Providers and their API keys: registration (with the first key), profile changes,
key rotation and revocation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from credmarket_events.catalog import ProviderRegisteredV1, ProviderUpdatedV1
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.actions.refusals import KeyUnusable, Missing
from catalog.clock import utcnow
from catalog.db import repository as repo
from catalog.domain.api_keys import IssuedKey, issue_key, key_usable
from catalog.domain.provider_profile import ProviderProfile, check_profile
from catalog.domain.violations import ContentInvalid
from catalog.ids import new_id
from catalog.runtime import SOURCE, CatalogRuntime


@dataclass(frozen=True)
class KeyIssued:
    """A new key's row, and its plaintext: shown once, never stored."""

    row: Any
    issued: IssuedKey
    at: datetime


async def register(rt: CatalogRuntime, profile: ProviderProfile) -> tuple[Any, KeyIssued]:
    """The provider's row and its first API key."""
    violations = check_profile(profile)
    if violations:
        raise ContentInvalid(violations)
    now = utcnow()
    provider_id = new_id()
    issued = issue_key()
    async with rt.db.unit_of_work() as uow:
        await repo.insert_provider(uow.session, provider_id, profile, now)
        key_id = new_id()
        await repo.insert_api_key(
            uow.session, key_id, provider_id, issued.prefix, issued.secret_hash, now
        )
        uow.emit_new(
            ProviderRegisteredV1(provider_id=provider_id, **asdict(profile), registered_at=now),
            SOURCE,
        )
        await uow.commit()
        row = await repo.get_provider(uow.session, provider_id)
        key_row = await repo.get_api_key(uow.session, provider_id, key_id)
    assert row is not None
    assert key_row is not None
    return row, KeyIssued(key_row, issued, now)


async def update_profile(rt: CatalogRuntime, provider_id: UUID, changes: dict[str, Any]) -> Any:
    now = utcnow()
    async with rt.db.unit_of_work() as uow:
        row = await repo.get_provider(uow.session, provider_id, for_update=True)
        if row is None:
            raise Missing("provider")
        current = repo.profile_of(row)
        updated = replace(current, **changes)
        violations = check_profile(updated)
        if violations:
            raise ContentInvalid(violations)
        if updated != current:
            await repo.update_provider(uow.session, provider_id, updated, now)
            uow.emit_new(
                ProviderUpdatedV1(provider_id=provider_id, **asdict(updated), updated_at=now),
                SOURCE,
            )
            await uow.commit()
        row = await repo.get_provider(uow.session, provider_id)
    assert row is not None
    return row


async def issue_api_key(
    rt: CatalogRuntime, provider_id: UUID, replaces: UUID | None, grace_period_s: int
) -> KeyIssued:
    """A new key; the one it ``replaces`` is revoked now or expires after the grace."""
    now = utcnow()
    issued = issue_key()
    key_id = new_id()
    async with rt.db.unit_of_work() as uow:
        await existing_provider(uow.session, provider_id, lock=True)
        if replaces is not None:
            old = await repo.get_api_key(uow.session, provider_id, replaces, for_update=True)
            if old is None:
                raise Missing("API key")
            if not key_usable(old.revoked_at, old.expires_at, now):
                raise KeyUnusable
            if grace_period_s == 0:
                await repo.set_api_key_times(uow.session, old.id, revoked_at=now)
            else:
                expires = now + timedelta(seconds=grace_period_s)
                if old.expires_at is None or expires < old.expires_at:
                    await repo.set_api_key_times(uow.session, old.id, expires_at=expires)
        await repo.insert_api_key(
            uow.session, key_id, provider_id, issued.prefix, issued.secret_hash, now
        )
        await uow.commit()
        row = await repo.get_api_key(uow.session, provider_id, key_id)
    assert row is not None
    return KeyIssued(row, issued, now)


async def revoke_api_key(rt: CatalogRuntime, provider_id: UUID, key_id: UUID) -> None:
    """At once; revoking twice is harmless."""
    now = utcnow()
    async with rt.db.unit_of_work() as uow:
        row = await repo.get_api_key(uow.session, provider_id, key_id, for_update=True)
        if row is None:
            raise Missing("API key")
        if row.revoked_at is None or row.revoked_at > now:
            await repo.set_api_key_times(uow.session, key_id, revoked_at=now)
            await uow.commit()


async def existing_provider(session: AsyncSession, provider_id: UUID, lock: bool = False) -> None:
    if await repo.get_provider(session, provider_id, for_update=lock) is None:
        raise Missing("provider")
