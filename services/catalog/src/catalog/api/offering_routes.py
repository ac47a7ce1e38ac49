"""A provider's own offerings: drafts, publishing, new versions, retiring."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from credmarket_platform.auth import Principal, require, subject_uuid
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.idempotency import idempotency_key
from credmarket_platform.http.problems import problem_responses
from fastapi import APIRouter, Depends, Query, Response

from catalog.actions import offerings
from catalog.api.dependencies import get_runtime
from catalog.api.offering_models import NewOffering, Offering, OfferingPage, OfferingPatch
from catalog.api.offering_views import offering_view
from catalog.api.refusals import invalid, refusals_as_problems
from catalog.db import repository as repo
from catalog.domain.cursor import Cursor, CursorInvalid, decode_cursor, encode_cursor
from catalog.domain.search_query import SortOrder
from catalog.domain.violations import Violation
from catalog.runtime import CatalogRuntime

router = APIRouter(prefix="/v1/provider/offerings", tags=["provider offerings"])

_MINE = problem_responses(pt.NOT_FOUND, pt.SUBJECT_NOT_UUID)


@router.post(
    "",
    status_code=201,
    summary="Create a draft offering",
    responses=problem_responses(pt.INVALID_CONTENT, pt.SUBJECT_NOT_UUID),
)
async def create_offering(
    body: NewOffering,
    response: Response,
    principal: Principal = require("provider"),
    _key: str | None = idempotency_key(required=False),
    rt: CatalogRuntime = Depends(get_runtime),
) -> Offering:
    with refusals_as_problems():
        row = await offerings.create_draft(rt, subject_uuid(principal), body.to_content())
    response.headers["Location"] = f"/v1/provider/offerings/{row.id}"
    return offering_view(row)


@router.get(
    "",
    summary="List my offerings, newest first",
    responses=problem_responses(pt.FORBIDDEN, pt.SUBJECT_NOT_UUID),
)
async def list_my_offerings(
    status: Literal["draft", "published", "retired"] | None = None,
    limit: int = Query(default=20, ge=1, le=100),
    cursor: str | None = Query(default=None, max_length=1000),
    principal: Principal = require("provider"),
    rt: CatalogRuntime = Depends(get_runtime),
) -> OfferingPage:
    provider_id = subject_uuid(principal)
    fingerprint = f"mine\x1f{provider_id}\x1f{status or ''}"
    after = None
    if cursor is not None:
        try:
            after = decode_cursor(cursor, SortOrder.NEWEST, fingerprint)
        except CursorInvalid as exc:
            raise invalid(
                [Violation("cursor", "invalid", str(exc))], kind=pt.INVALID_REQUEST
            ) from None
    async with rt.db.unit_of_work() as uow:
        rows = await repo.list_provider_offerings(uow.session, provider_id, status, limit, after)
    page, more = rows[:limit], len(rows) > limit
    next_cursor = (
        encode_cursor(Cursor(SortOrder.NEWEST, page[-1].sort_key, page[-1].id), fingerprint)
        if more
        else None
    )
    return OfferingPage(items=[offering_view(r) for r in page], next_cursor=next_cursor)


@router.get("/{offering_id}", summary="One of my offerings, in any state", responses=_MINE)
async def get_my_offering(
    offering_id: UUID,
    principal: Principal = require("provider"),
    rt: CatalogRuntime = Depends(get_runtime),
) -> Offering:
    provider_id = subject_uuid(principal)
    async with rt.db.unit_of_work() as uow:
        with refusals_as_problems():
            row = await offerings.own_offering(uow.session, provider_id, offering_id)
    return offering_view(row)


@router.patch(
    "/{offering_id}",
    summary="Edit a draft, or publish a new version of a published offering",
    responses=problem_responses(
        pt.NOT_FOUND, pt.OFFERING_RETIRED, pt.INVALID_CONTENT, pt.SUBJECT_NOT_UUID
    ),
)
async def edit_offering(
    offering_id: UUID,
    body: OfferingPatch,
    principal: Principal = require("provider"),
    rt: CatalogRuntime = Depends(get_runtime),
) -> Offering:
    changes, achievement_changes = body.changes()
    with refusals_as_problems():
        row = await offerings.edit(
            rt, subject_uuid(principal), offering_id, changes, achievement_changes
        )
    return offering_view(row)


@router.post(
    "/{offering_id}/publish",
    summary="Publish a draft (version 1); every field is checked",
    responses=problem_responses(
        pt.NOT_FOUND,
        pt.OFFERING_ALREADY_PUBLISHED,
        pt.OFFERING_RETIRED,
        pt.INVALID_CONTENT,
        pt.SUBJECT_NOT_UUID,
    ),
)
async def publish_offering(
    offering_id: UUID,
    principal: Principal = require("provider"),
    rt: CatalogRuntime = Depends(get_runtime),
) -> Offering:
    with refusals_as_problems():
        row = await offerings.publish(rt, subject_uuid(principal), offering_id)
    return offering_view(row)


@router.post(
    "/{offering_id}/retire",
    summary="Retire a published offering: no new buyers; existing learners keep it",
    responses=problem_responses(
        pt.NOT_FOUND, pt.OFFERING_NOT_PUBLISHED, pt.OFFERING_ALREADY_RETIRED, pt.SUBJECT_NOT_UUID
    ),
)
async def retire_offering(
    offering_id: UUID,
    principal: Principal = require("provider"),
    rt: CatalogRuntime = Depends(get_runtime),
) -> Offering:
    with refusals_as_problems():
        row = await offerings.retire(rt, subject_uuid(principal), offering_id)
    return offering_view(row)
