"""Webhook endpoints: a provider's (or ops') management of where its events go."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from credmarket_platform.auth import Principal, require
from credmarket_platform.http import pagination
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.idempotency import idempotency_key
from credmarket_platform.http.pagination import cursor_query, limit_query
from credmarket_platform.http.problems import problem_responses
from fastapi import APIRouter, Depends, Response
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.actions import webhook_endpoints as endpoints
from catalog.api.dependencies import get_runtime
from catalog.api.refusals import ensure_own_provider, refusals_as_problems
from catalog.api.webhook_models import (
    PingSent,
    SecretRotated,
    SecretRotationIn,
    WebhookEndpoint,
    WebhookEndpointCreated,
    WebhookEndpointIn,
    WebhookEndpointPage,
    WebhookEndpointPatch,
    WebhookEventTypes,
)
from catalog.api.webhook_views import endpoint_view
from catalog.db import webhook_repository as hooks
from catalog.domain.webhook_event_types import SUBSCRIBABLE
from catalog.runtime import CatalogRuntime

router = APIRouter(tags=["webhooks"])


def manageable_by(principal: Principal) -> endpoints.Visible:
    """Ops manage any endpoint, a provider only its own."""
    return lambda row: principal.role == "ops" or principal.is_subject(row.provider_id)


async def owned_endpoint(
    session: AsyncSession, principal: Principal, endpoint_id: UUID, *, for_update: bool = False
) -> Any:
    """The endpoint, if the caller may see it: ops any, a provider only its own. Another
    provider's endpoint is a 404, as if it did not exist."""
    with refusals_as_problems():
        return await endpoints.endpoint_for(
            session, endpoint_id, manageable_by(principal), for_update=for_update
        )


@router.get(
    "/v1/webhook-event-types",
    summary="The event types a webhook endpoint can subscribe to",
)
async def list_event_types() -> WebhookEventTypes:
    return WebhookEventTypes(event_types=list(SUBSCRIBABLE))


@router.post(
    "/v1/providers/{provider_id}/webhook-endpoints",
    status_code=201,
    summary="Add a webhook endpoint (the provider itself, or ops); the secret is shown once",
    responses=problem_responses(pt.NOT_FOUND, pt.TOO_MANY_WEBHOOK_ENDPOINTS, pt.INVALID_CONTENT),
)
async def create_endpoint(
    provider_id: UUID,
    body: WebhookEndpointIn,
    response: Response,
    principal: Principal = require("ops", "provider"),
    _key: str | None = idempotency_key(required=False),
    rt: CatalogRuntime = Depends(get_runtime),
) -> WebhookEndpointCreated:
    ensure_own_provider(principal, provider_id)
    with refusals_as_problems():
        row, secret = await endpoints.create(
            rt,
            provider_id,
            url=body.url,
            description=body.description,
            event_types=body.event_types,
        )
    response.headers["Location"] = f"/v1/webhook-endpoints/{row.id}"
    return WebhookEndpointCreated(endpoint=endpoint_view(row), secret=secret)


@router.get(
    "/v1/providers/{provider_id}/webhook-endpoints",
    summary="A provider's webhook endpoints (the provider itself, or ops)",
    responses=problem_responses(401, 403),
)
async def list_endpoints(
    provider_id: UUID,
    principal: Principal = require("ops", "provider"),
    limit: int = limit_query(20, 100),
    cursor: str | None = cursor_query(),
    rt: CatalogRuntime = Depends(get_runtime),
) -> WebhookEndpointPage:
    ensure_own_provider(principal, provider_id)
    async with rt.db.unit_of_work() as uow:
        rows = list(await hooks.list_endpoints(uow.session, provider_id))
    # A provider has a handful (webhook_max_endpoints_per_provider): paged over its rows,
    # oldest first, after the (created_at, id) the cursor names.
    scope = pagination.scope_of("webhook-endpoints", provider_id)
    if cursor is not None:
        created_at, last_id = pagination.decode_cursor(cursor, scope, size=2)
        try:
            after = (datetime.fromisoformat(created_at), UUID(last_id))
        except ValueError:
            raise pagination.invalid_cursor() from None
        rows = [r for r in rows if (r.created_at, r.id) > after]
    page = rows[:limit]
    next_cursor = (
        pagination.encode_cursor([page[-1].created_at.isoformat(), str(page[-1].id)], scope)
        if len(rows) > limit
        else None
    )
    return WebhookEndpointPage(items=[endpoint_view(r) for r in page], next_cursor=next_cursor)


@router.get(
    "/v1/webhook-endpoints/{endpoint_id}",
    summary="One webhook endpoint",
    responses=problem_responses(401, 403, 404),
)
async def get_endpoint(
    endpoint_id: UUID,
    principal: Principal = require("ops", "provider"),
    rt: CatalogRuntime = Depends(get_runtime),
) -> WebhookEndpoint:
    async with rt.db.unit_of_work() as uow:
        row = await owned_endpoint(uow.session, principal, endpoint_id)
    return endpoint_view(row)


@router.patch(
    "/v1/webhook-endpoints/{endpoint_id}",
    summary="Change an endpoint's URL, event types or description; enable or disable it",
    responses=problem_responses(401, 403, 404, 422),
)
async def update_endpoint(
    endpoint_id: UUID,
    body: WebhookEndpointPatch,
    principal: Principal = require("ops", "provider"),
    rt: CatalogRuntime = Depends(get_runtime),
) -> WebhookEndpoint:
    with refusals_as_problems():
        row = await endpoints.update(
            rt,
            endpoint_id,
            body.model_dump(exclude_unset=True),
            manageable_by(principal),
            disabled_by="ops" if principal.role == "ops" else "provider",
        )
    return endpoint_view(row)


@router.delete(
    "/v1/webhook-endpoints/{endpoint_id}",
    status_code=204,
    summary="Remove an endpoint; nothing more is delivered to it",
    responses=problem_responses(401, 403, 404),
)
async def delete_endpoint(
    endpoint_id: UUID,
    principal: Principal = require("ops", "provider"),
    rt: CatalogRuntime = Depends(get_runtime),
) -> Response:
    with refusals_as_problems():
        await endpoints.remove(rt, endpoint_id, manageable_by(principal))
    return Response(status_code=204)


@router.post(
    "/v1/webhook-endpoints/{endpoint_id}/secret-rotations",
    status_code=201,
    summary="Rotate the signing secret; the old one keeps signing through the overlap",
    responses=problem_responses(400, 401, 403, 404, 422),
)
async def rotate_secret(
    endpoint_id: UUID,
    body: SecretRotationIn,
    principal: Principal = require("ops", "provider"),
    _key: str | None = idempotency_key(required=False),
    rt: CatalogRuntime = Depends(get_runtime),
) -> SecretRotated:
    with refusals_as_problems():
        secret, until = await endpoints.rotate_secret(
            rt, endpoint_id, body.overlap_seconds, manageable_by(principal)
        )
    return SecretRotated(
        secret=secret, previous_secret_expires_at=until if body.overlap_seconds else None
    )


@router.post(
    "/v1/webhook-endpoints/{endpoint_id}/pings",
    status_code=202,
    summary="Send a test event to the endpoint; its attempts show in the delivery log",
    responses=problem_responses(pt.NOT_FOUND, pt.WEBHOOK_ENDPOINT_DISABLED, pt.RATE_LIMITED),
)
async def send_ping(
    endpoint_id: UUID,
    principal: Principal = require("ops", "provider"),
    rt: CatalogRuntime = Depends(get_runtime),
) -> PingSent:
    with refusals_as_problems():
        msg_id = await endpoints.send_ping(rt, endpoint_id, manageable_by(principal))
    return PingSent(message_id=msg_id)
