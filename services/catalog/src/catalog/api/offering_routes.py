"""A provider's own offerings: drafts, publishing, new versions, retiring."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar
from uuid import UUID

from credmarket_platform.auth import Principal, require, subject_uuid
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.idempotency import idempotency_key
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.api.offering_models import NewOffering, Offering, OfferingPage, OfferingPatch
from catalog.api.offering_views import offering_view
from catalog.api.refusals import conflict, invalid, not_found
from catalog.clock import utcnow
from catalog.db import repository as repo
from catalog.domain import offering_lifecycle as lifecycle
from catalog.domain.cursor import Cursor, CursorInvalid, decode_cursor, encode_cursor
from catalog.domain.offering_content import apply_changes
from catalog.domain.offering_events import published_event, retired_event, updated_event
from catalog.domain.offering_lifecycle import EditKind, OfferingStatus
from catalog.domain.offering_rules import check_draft, check_publishable
from catalog.domain.search_query import SortOrder
from catalog.domain.violations import TransitionRefused, Violation
from catalog.ids import new_id
from catalog.runtime import SOURCE, CatalogRuntime, runtime
from catalog.webhooks.fanout import enqueue

T = TypeVar("T")

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
    rt: CatalogRuntime = Depends(runtime),
) -> Offering:
    provider_id = subject_uuid(principal)
    content = body.to_content()
    violations = check_draft(content)
    if violations:
        raise invalid(violations)
    offering_id = new_id()
    async with rt.db.unit_of_work() as uow:
        if await repo.get_provider(uow.session, provider_id) is None:
            raise ProblemError(403, "Forbidden", "the token names no registered provider")
        await repo.insert_offering(uow.session, offering_id, provider_id, content, utcnow())
        await uow.commit()
        row = await repo.get_offering(uow.session, offering_id)
    response.headers["Location"] = f"/v1/provider/offerings/{offering_id}"
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
    rt: CatalogRuntime = Depends(runtime),
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
    rt: CatalogRuntime = Depends(runtime),
) -> Offering:
    async with rt.db.unit_of_work() as uow:
        row = await _mine(uow.session, principal, offering_id)
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
    rt: CatalogRuntime = Depends(runtime),
) -> Offering:
    changes, achievement_changes = body.changes()
    now = utcnow()
    async with rt.db.unit_of_work() as uow:
        row = await _mine(uow.session, principal, offering_id, lock=True)
        kind = _step(lambda: lifecycle.edit(OfferingStatus(row.status)))
        current = repo.content_of(row)
        content = apply_changes(current, changes, achievement_changes)
        if content != current:
            if kind is EditKind.DRAFT_EDIT:
                violations = check_draft(content)
            else:
                violations = check_publishable(content)
            if violations:
                raise invalid(violations)
            values: dict[str, Any] = {**repo.content_columns(content), "updated_at": now}
            if kind is EditKind.NEW_VERSION:
                version = row.version + 1
                event = updated_event(offering_id, row.provider_id, version, content, now)
                values["version"] = version
                await repo.insert_version(
                    uow.session, offering_id, version, event.model_dump(mode="json"), now
                )
                uow.emit_new(event, SOURCE)
            await repo.update_offering(uow.session, offering_id, **values)
            await uow.commit()
            row = await repo.get_offering(uow.session, offering_id)
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
    rt: CatalogRuntime = Depends(runtime),
) -> Offering:
    now = utcnow()
    async with rt.db.unit_of_work() as uow:
        row = await _mine(uow.session, principal, offering_id, lock=True)
        version = _step(lambda: lifecycle.publish(OfferingStatus(row.status), row.version))
        content = repo.content_of(row)
        violations = check_publishable(content)
        if violations:
            # The stored draft is at fault, not this (bodiless) request.
            raise invalid(violations, where=None)
        event = published_event(offering_id, row.provider_id, version, content, now)
        await repo.update_offering(
            uow.session,
            offering_id,
            status=OfferingStatus.PUBLISHED.value,
            version=version,
            published_at=now,
            updated_at=now,
        )
        await repo.insert_version(
            uow.session, offering_id, version, event.model_dump(mode="json"), now
        )
        envelope = uow.emit_new(event, SOURCE)
        # The provider's webhooks hear of it in this same transaction (ADR 0023).
        await enqueue(uow.session, envelope, row.provider_id, str(offering_id), rt.clock.now())
        await uow.commit()
        row = await repo.get_offering(uow.session, offering_id)
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
    rt: CatalogRuntime = Depends(runtime),
) -> Offering:
    now = utcnow()
    async with rt.db.unit_of_work() as uow:
        row = await _mine(uow.session, principal, offering_id, lock=True)
        status = _step(lambda: lifecycle.retire(OfferingStatus(row.status)))
        await repo.update_offering(
            uow.session, offering_id, status=status.value, retired_at=now, updated_at=now
        )
        envelope = uow.emit_new(
            retired_event(offering_id, row.provider_id, row.version, now), SOURCE
        )
        await enqueue(uow.session, envelope, row.provider_id, str(offering_id), rt.clock.now())
        await uow.commit()
        row = await repo.get_offering(uow.session, offering_id)
    return offering_view(row)


async def _mine(
    session: AsyncSession, principal: Principal, offering_id: UUID, lock: bool = False
) -> Any:
    """The caller's offering; another provider's is reported as missing, not forbidden,
    so offering ids reveal nothing about other providers' drafts."""
    provider_id = subject_uuid(principal)
    row = await repo.get_offering(session, offering_id, for_update=lock)
    if row is None or row.provider_id != provider_id:
        raise not_found("offering")
    return row


def _step(step: Callable[[], T]) -> T:
    try:
        return step()
    except TransitionRefused as refused:
        raise conflict(refused.code.replace("_", "-"), refused.message) from None
