"""Providers: registered by ops, maintained by ops or themselves; their API keys."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from credmarket_platform.auth import Principal, optional_principal, require
from credmarket_platform.http import pagination
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.idempotency import idempotency_key
from credmarket_platform.http.pagination import cursor_query, limit_query
from credmarket_platform.http.problems import problem_responses
from fastapi import APIRouter, Depends, Response

from catalog.actions import providers
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
from catalog.api.refusals import ensure_own_provider, invalid, not_found, refusals_as_problems
from catalog.clock import utcnow
from catalog.db import repository as repo
from catalog.domain.provider_profile import ProviderProfile
from catalog.domain.violations import Violation
from catalog.runtime import CatalogRuntime

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
    with refusals_as_problems():
        row, key = await providers.register(rt, ProviderProfile(**body.model_dump()))
    response.headers["Location"] = f"/v1/providers/{row.id}"
    return ProviderRegistered(
        provider=provider_view(row, private=True),
        api_key=issued_view(key.row, key.issued.plaintext, key.at),
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
    with refusals_as_problems():
        row = await providers.update_profile(rt, provider_id, changes)
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
        with refusals_as_problems():
            await providers.existing_provider(uow.session, provider_id)
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
    with refusals_as_problems():
        key = await providers.issue_api_key(rt, provider_id, body.replaces, body.grace_period_s)
    return issued_view(key.row, key.issued.plaintext, key.at)


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
    with refusals_as_problems():
        await providers.revoke_api_key(rt, provider_id, key_id)
    return Response(status_code=204)
