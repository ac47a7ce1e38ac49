"""Providers: registered by ops, maintained by ops or themselves; their API keys."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime, timedelta
from uuid import UUID

from credmarket_events.catalog import ProviderRegisteredV1, ProviderUpdatedV1
from credmarket_platform.auth import Principal, optional_principal, require
from credmarket_platform.http import pagination
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.idempotency import idempotency_key
from credmarket_platform.http.pagination import cursor_query, limit_query
from credmarket_platform.http.problems import problem_responses
from fastapi import APIRouter, Depends, Response
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.api.dependencies import get_runtime
from catalog.api.provider_models import (
    ApiKeyPage,
    IssuedApiKey,
    KeyRotation,
    Provider,
    ProviderIn,
    ProviderPatch,
    ProviderRegistered,
)
from catalog.api.provider_views import issued_view, key_view, provider_view
from catalog.api.refusals import conflict, ensure_own_provider, invalid, not_found
from catalog.clock import utcnow
from catalog.db import repository as repo
from catalog.domain.api_keys import issue_key, key_usable
from catalog.domain.provider_profile import ProviderProfile, check_profile
from catalog.domain.violations import Violation
from catalog.ids import new_id
from catalog.runtime import SOURCE, CatalogRuntime

router = APIRouter(prefix="/v1/providers", tags=["providers"])


@router.post(
    "",
    status_code=201,
    summary="Register a provider (ops); returns its first API key, shown once",
    responses=problem_responses(),
)
async def register_provider(
    body: ProviderIn,
    response: Response,
    principal: Principal = require("ops"),
    _key: str | None = idempotency_key(required=False),
    rt: CatalogRuntime = Depends(get_runtime),
) -> ProviderRegistered:
    profile = ProviderProfile(**body.model_dump())
    violations = check_profile(profile)
    if violations:
        raise invalid(violations)
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
    response.headers["Location"] = f"/v1/providers/{provider_id}"
    return ProviderRegistered(
        provider=provider_view(row, private=True),
        api_key=issued_view(key_row, issued.plaintext, now),
    )


@router.get(
    "/{provider_id}",
    summary="A provider's profile (public; the contact email only for ops and itself)",
    responses=problem_responses(pt.NOT_FOUND),
)
async def get_provider(
    provider_id: UUID,
    principal: Principal | None = Depends(optional_principal),
    rt: CatalogRuntime = Depends(get_runtime),
) -> Provider:
    async with rt.db.unit_of_work() as uow:
        row = await repo.get_provider(uow.session, provider_id)
    if row is None:
        raise not_found("provider")
    private = principal is not None and (
        principal.role == "ops"
        or (principal.role == "provider" and principal.is_subject(provider_id))
    )
    return provider_view(row, private=private)


@router.patch(
    "/{provider_id}",
    summary="Update a provider's profile (ops, or the provider itself)",
    responses=problem_responses(pt.NOT_FOUND),
)
async def update_provider(
    provider_id: UUID,
    body: ProviderPatch,
    principal: Principal = require("ops", "provider"),
    rt: CatalogRuntime = Depends(get_runtime),
) -> Provider:
    ensure_own_provider(principal, provider_id)
    changes = body.model_dump(exclude_unset=True)
    required = [f for f in ("name", "contact_email") if f in changes and changes[f] is None]
    if required:
        raise invalid([Violation(f, "required", "cannot be removed") for f in required])
    now = utcnow()
    async with rt.db.unit_of_work() as uow:
        row = await repo.get_provider(uow.session, provider_id, for_update=True)
        if row is None:
            raise not_found("provider")
        current = repo.profile_of(row)
        updated = replace(current, **changes)
        violations = check_profile(updated)
        if violations:
            raise invalid(violations)
        if updated != current:
            await repo.update_provider(uow.session, provider_id, updated, now)
            uow.emit_new(
                ProviderUpdatedV1(provider_id=provider_id, **asdict(updated), updated_at=now),
                SOURCE,
            )
            await uow.commit()
        row = await repo.get_provider(uow.session, provider_id)
    assert row is not None
    return provider_view(row, private=True)


@router.get(
    "/{provider_id}/api-keys",
    summary="List a provider's API keys (prefixes only)",
    responses=problem_responses(pt.NOT_FOUND),
)
async def list_api_keys(
    provider_id: UUID,
    principal: Principal = require("ops", "provider"),
    limit: int = limit_query(20, 100),
    cursor: str | None = cursor_query(),
    rt: CatalogRuntime = Depends(get_runtime),
) -> ApiKeyPage:
    ensure_own_provider(principal, provider_id)
    now = utcnow()
    scope = pagination.scope_of("api-keys", provider_id)
    after = None
    if cursor is not None:
        created_at, last_id = pagination.decode_cursor(cursor, scope, size=2)
        try:
            after = (datetime.fromisoformat(created_at), UUID(last_id))
        except ValueError:
            raise pagination.invalid_cursor() from None
    async with rt.db.unit_of_work() as uow:
        await _existing_provider(uow.session, provider_id)
        rows = await repo.list_api_keys(uow.session, provider_id, limit=limit + 1, after=after)
    page = rows[:limit]
    next_cursor = (
        pagination.encode_cursor([page[-1].created_at.isoformat(), str(page[-1].id)], scope)
        if len(rows) > limit
        else None
    )
    return ApiKeyPage(items=[key_view(r, now) for r in page], next_cursor=next_cursor)


@router.post(
    "/{provider_id}/api-keys",
    status_code=201,
    summary="Issue a new API key (rotation); optionally retire an old one now or later",
    responses=problem_responses(pt.NOT_FOUND, pt.API_KEY_UNUSABLE),
)
async def issue_api_key(
    provider_id: UUID,
    body: KeyRotation,
    principal: Principal = require("ops", "provider"),
    _key: str | None = idempotency_key(required=False),
    rt: CatalogRuntime = Depends(get_runtime),
) -> IssuedApiKey:
    ensure_own_provider(principal, provider_id)
    now = utcnow()
    issued = issue_key()
    key_id = new_id()
    async with rt.db.unit_of_work() as uow:
        await _existing_provider(uow.session, provider_id, lock=True)
        if body.replaces is not None:
            old = await repo.get_api_key(uow.session, provider_id, body.replaces, for_update=True)
            if old is None:
                raise not_found("API key")
            if not key_usable(old.revoked_at, old.expires_at, now):
                raise conflict("key-unusable", "the replaced key is already revoked or expired")
            if body.grace_period_s == 0:
                await repo.set_api_key_times(uow.session, old.id, revoked_at=now)
            else:
                expires = now + timedelta(seconds=body.grace_period_s)
                if old.expires_at is None or expires < old.expires_at:
                    await repo.set_api_key_times(uow.session, old.id, expires_at=expires)
        await repo.insert_api_key(
            uow.session, key_id, provider_id, issued.prefix, issued.secret_hash, now
        )
        await uow.commit()
        row = await repo.get_api_key(uow.session, provider_id, key_id)
    assert row is not None
    return issued_view(row, issued.plaintext, now)


@router.delete(
    "/{provider_id}/api-keys/{key_id}",
    status_code=204,
    summary="Revoke an API key at once (revoking twice is harmless)",
    responses=problem_responses(pt.NOT_FOUND),
)
async def revoke_api_key(
    provider_id: UUID,
    key_id: UUID,
    principal: Principal = require("ops", "provider"),
    rt: CatalogRuntime = Depends(get_runtime),
) -> Response:
    ensure_own_provider(principal, provider_id)
    now = utcnow()
    async with rt.db.unit_of_work() as uow:
        row = await repo.get_api_key(uow.session, provider_id, key_id, for_update=True)
        if row is None:
            raise not_found("API key")
        if row.revoked_at is None or row.revoked_at > now:
            await repo.set_api_key_times(uow.session, key_id, revoked_at=now)
            await uow.commit()
    return Response(status_code=204)


async def _existing_provider(session: AsyncSession, provider_id: UUID, lock: bool = False) -> None:
    if await repo.get_provider(session, provider_id, for_update=lock) is None:
        raise not_found("provider")
