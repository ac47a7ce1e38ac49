"""The delivery log of an endpoint, redelivery, and the ops overview of every endpoint."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal
from uuid import UUID

from credmarket_platform.auth import Principal, require
from credmarket_platform.http import pagination
from credmarket_platform.http.pagination import cursor_query, limit_query
from credmarket_platform.http.problems import problem_responses
from fastapi import APIRouter, Depends, Query

from catalog.actions import webhook_redeliveries
from catalog.api.dependencies import get_runtime
from catalog.api.refusals import not_found, refusals_as_problems
from catalog.api.webhook_models import (
    Redelivered,
    RedeliverSinceIn,
    WebhookEndpointHealth,
    WebhookMessage,
    WebhookMessagePage,
    WebhookOverview,
)
from catalog.api.webhook_routes import manageable_by, owned_endpoint
from catalog.api.webhook_views import endpoint_view, message_view
from catalog.db import webhook_repository as hooks
from catalog.db import webhook_watch
from catalog.runtime import CatalogRuntime
from catalog.webhooks.fanout import is_message_id

router = APIRouter(tags=["webhooks"])


def _message_id(raw: str) -> str:
    # Anything not shaped like one of ours is no message of ours: a 404, not a query.
    if not is_message_id(raw):
        raise not_found("message")
    return raw


# Each message shows its latest attempts; the count says how many there were.
_ATTEMPTS_SHOWN = 5


@router.get(
    "/v1/webhook-endpoints/{endpoint_id}/messages",
    summary="The delivery log: messages newest first, each with its latest attempts",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_messages(
    endpoint_id: UUID,
    status: Literal["pending", "delivered", "failed"] | None = None,
    before: int | None = Query(
        default=None, ge=1, deprecated=True, description="Deprecated: use `cursor`."
    ),
    limit: int = limit_query(50, 200),
    cursor: str | None = cursor_query(),
    principal: Principal = require("ops", "provider"),
    rt: CatalogRuntime = Depends(get_runtime),
) -> WebhookMessagePage:
    scope = pagination.scope_of("webhook-messages", endpoint_id, status)
    if cursor is not None:
        (seq,) = pagination.decode_cursor(cursor, scope, size=1)
        if not seq.isdigit():
            raise pagination.invalid_cursor()
        before = int(seq)
    async with rt.db.unit_of_work() as uow:
        await owned_endpoint(uow.session, principal, endpoint_id)
        rows = await hooks.list_messages(
            uow.session, endpoint_id, status=status, before_seq=before, limit=limit + 1
        )
        page, more = rows[:limit], len(rows) > limit
        attempts = await hooks.attempts_of(uow.session, [r.seq for r in page], _ATTEMPTS_SHOWN)
    return WebhookMessagePage(
        items=[message_view(r, attempts.get(r.seq, [])) for r in page],
        next_cursor=pagination.encode_cursor([str(page[-1].seq)], scope) if more else None,
        next_before=page[-1].seq if more else None,
    )


@router.get(
    "/v1/webhook-endpoints/{endpoint_id}/messages/{message_id}",
    summary="One message of the delivery log with its latest attempts",
    responses=problem_responses(401, 403, 404),
)
async def get_message(
    endpoint_id: UUID,
    message_id: str,
    principal: Principal = require("ops", "provider"),
    rt: CatalogRuntime = Depends(get_runtime),
) -> WebhookMessage:
    async with rt.db.unit_of_work() as uow:
        await owned_endpoint(uow.session, principal, endpoint_id)
        row = await hooks.get_message(uow.session, endpoint_id, _message_id(message_id))
        if row is None:
            raise not_found("message")
        attempts = await hooks.attempts_of(uow.session, [row.seq], _ATTEMPTS_SHOWN)
    return message_view(row, attempts.get(row.seq, []))


@router.post(
    "/v1/webhook-endpoints/{endpoint_id}/messages/{message_id}/redeliveries",
    status_code=202,
    summary="Deliver one message again, with the same webhook-id",
    responses=problem_responses(401, 403, 404),
)
async def redeliver_message(
    endpoint_id: UUID,
    message_id: str,
    principal: Principal = require("ops", "provider"),
    rt: CatalogRuntime = Depends(get_runtime),
) -> Redelivered:
    with refusals_as_problems():
        await webhook_redeliveries.redeliver_message(
            rt, endpoint_id, message_id, manageable_by(principal)
        )
    return Redelivered(redelivered=1)


@router.post(
    "/v1/webhook-endpoints/{endpoint_id}/redeliveries",
    status_code=202,
    summary="Deliver again every message of an event at or after a time",
    responses=problem_responses(401, 403, 404, 422),
)
async def redeliver_since(
    endpoint_id: UUID,
    body: RedeliverSinceIn,
    principal: Principal = require("ops", "provider"),
    rt: CatalogRuntime = Depends(get_runtime),
) -> Redelivered:
    with refusals_as_problems():
        count = await webhook_redeliveries.redeliver_since(
            rt, endpoint_id, body.since, manageable_by(principal)
        )
    return Redelivered(redelivered=count)


@router.get(
    "/v1/webhooks/overview",
    summary="Ops: the backlog, and the endpoints that fail or were disabled for failing",
    responses=problem_responses(401, 403),
)
async def overview(
    principal: Principal = require("ops"),
    rt: CatalogRuntime = Depends(get_runtime),
) -> WebhookOverview:
    now = rt.clock.now()
    async with rt.db.unit_of_work() as uow:
        backlog = await webhook_watch.backlog(uow.session)
        failed = await webhook_watch.failed_since(uow.session, now - timedelta(days=1))
        troubled = await webhook_watch.troubled_endpoints(uow.session)
        pending = await webhook_watch.pending_by_endpoint(uow.session, [r.id for r in troubled])

    def health(row: Any) -> WebhookEndpointHealth:
        count, oldest = pending.get(row.id, (0, None))
        return WebhookEndpointHealth(
            endpoint=endpoint_view(row), pending=count, oldest_pending_at=oldest
        )

    return WebhookOverview(
        pending=backlog[0],
        oldest_pending_at=backlog[1],
        failed_last_day=failed,
        failing_endpoints=[health(r) for r in troubled if r.enabled],
        disabled_endpoints=[health(r) for r in troubled if not r.enabled],
    )
