"""Webhook endpoints: a provider's (or ops') management of where its events go."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from credmarket_platform.auth import Principal, require
from credmarket_platform.http import pagination
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.idempotency import idempotency_key
from credmarket_platform.http.pagination import cursor_query, limit_query
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends, Response
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.api.dependencies import get_runtime
from catalog.api.refusals import conflict, ensure_own_provider, invalid, not_found
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
from catalog.db import repository as repo
from catalog.db import webhook_repository as hooks
from catalog.domain.text_rules import check_text
from catalog.domain.violations import Violation
from catalog.domain.webhook_event_types import PING_TYPE, SUBSCRIBABLE, unknown_types
from catalog.domain.webhook_payload import ping
from catalog.domain.webhook_signature import new_secret
from catalog.ids import new_id
from catalog.runtime import SOURCE, CatalogRuntime
from catalog.webhooks.fanout import message_id, notify_delivery
from catalog.webhooks.registration import check_url
from catalog.webhooks.secrets import seal

router = APIRouter(tags=["webhooks"])


def _event_type_violations(event_types: list[str]) -> list[Violation]:
    unknown = unknown_types(event_types)
    if not unknown:
        return []
    return [
        Violation(
            "event_types",
            "unknown_event_type",
            f"not an event type one can subscribe to: {', '.join(sorted(unknown))}",
        )
    ]


def _description_violations(description: str | None) -> list[Violation]:
    if description is None:
        return []
    return check_text("description", description, max_length=500, min_length=0)


async def owned_endpoint(
    session: AsyncSession, principal: Principal, endpoint_id: UUID, *, for_update: bool = False
) -> Any:
    """The endpoint, if the caller may see it: ops any, a provider only its own. Another
    provider's endpoint is a 404, as if it did not exist."""
    row = await hooks.get_endpoint(session, endpoint_id, for_update=for_update)
    if row is None or (principal.role != "ops" and not principal.is_subject(row.provider_id)):
        raise not_found("webhook endpoint")
    return row


async def _new_secret(rt: CatalogRuntime, session: AsyncSession, endpoint_id: UUID) -> str:
    secret = new_secret()
    secret_id = new_id()
    nonce, ciphertext = seal(rt.kek, secret_id, secret)
    await hooks.insert_secret(session, secret_id, endpoint_id, nonce, ciphertext, rt.clock.now())
    return secret


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
    violations = (
        _event_type_violations(body.event_types)
        + _description_violations(body.description)
        + await check_url(body.url, rt.settings)
    )
    if violations:
        raise invalid(violations)
    now = rt.clock.now()
    endpoint_id = new_id()
    async with rt.db.unit_of_work() as uow:
        # Locked so that two concurrent additions cannot both pass the limit.
        if await repo.get_provider(uow.session, provider_id, for_update=True) is None:
            raise not_found("provider")
        limit = rt.settings.webhook_max_endpoints_per_provider
        if await hooks.count_endpoints(uow.session, provider_id) >= limit:
            raise conflict("too-many-webhook-endpoints", f"a provider has at most {limit}")
        await hooks.insert_endpoint(
            uow.session,
            id=endpoint_id,
            provider_id=provider_id,
            url=body.url,
            description=body.description,
            event_types=sorted(set(body.event_types)),
            enabled=True,
            created_at=now,
            updated_at=now,
        )
        secret = await _new_secret(rt, uow.session, endpoint_id)
        await uow.commit()
        row = await hooks.get_endpoint(uow.session, endpoint_id)
    response.headers["Location"] = f"/v1/webhook-endpoints/{endpoint_id}"
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
    changes = body.model_dump(exclude_unset=True)
    if any(changes.get(f, "") is None for f in ("url", "event_types", "enabled")):
        raise invalid(
            [Violation("body", "required", "url, event_types and enabled cannot be null")]
        )
    violations: list[Violation] = []
    if "event_types" in changes:
        violations += _event_type_violations(changes["event_types"])
        changes["event_types"] = sorted(set(changes["event_types"]))
    if "url" in changes:
        violations += await check_url(changes["url"], rt.settings)
    violations += _description_violations(changes.get("description"))
    if violations:
        raise invalid(violations)
    now = rt.clock.now()
    async with rt.db.unit_of_work() as uow:
        row = await owned_endpoint(uow.session, principal, endpoint_id, for_update=True)
        enabled = changes.pop("enabled", None)
        if enabled is True and not row.enabled:
            changes.update(enabled=True, disabled_reason=None, disabled_at=None, failing_since=None)
            await hooks.restart_pending(uow.session, endpoint_id, now)
            await notify_delivery(uow.session)
        elif enabled is False and row.enabled:
            reason = "ops" if principal.role == "ops" else "provider"
            changes.update(enabled=False, disabled_reason=reason, disabled_at=now)
        if changes:
            await hooks.update_endpoint(uow.session, endpoint_id, **changes, updated_at=now)
            await uow.commit()
        row = await hooks.get_endpoint(uow.session, endpoint_id)
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
    now = rt.clock.now()
    async with rt.db.unit_of_work() as uow:
        await owned_endpoint(uow.session, principal, endpoint_id, for_update=True)
        # Kept, not deleted: its delivery log stays readable by ops.
        await hooks.update_endpoint(
            uow.session, endpoint_id, deleted_at=now, enabled=False, updated_at=now
        )
        await hooks.abandon_pending(uow.session, endpoint_id)
        await uow.commit()
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
    now = rt.clock.now()
    async with rt.db.unit_of_work() as uow:
        await owned_endpoint(uow.session, principal, endpoint_id, for_update=True)
        until = now + timedelta(seconds=body.overlap_seconds)
        await hooks.retire_secrets(uow.session, endpoint_id, now, until)
        secret = await _new_secret(rt, uow.session, endpoint_id)
        await uow.commit()
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
    now = rt.clock.now()
    msg_id = message_id()
    async with rt.db.unit_of_work() as uow:
        row = await owned_endpoint(uow.session, principal, endpoint_id)
        if not row.enabled:
            raise ProblemError(
                409,
                detail="the endpoint is disabled; enable it first",
                type_=pt.WEBHOOK_ENDPOINT_DISABLED.type,
            )
        if await hooks.ping_pending(uow.session, endpoint_id):
            # One at a time: pings must not turn the catalog into a way to flood a URL.
            raise ProblemError(
                429,
                detail="a ping to this endpoint is still on its way",
                type_=pt.RATE_LIMITED.type,
                headers={"Retry-After": "5"},
            )
        event_id = str(new_id())
        await hooks.insert_messages(
            uow.session,
            [
                {
                    "id": msg_id,
                    "endpoint_id": endpoint_id,
                    "provider_id": row.provider_id,
                    "event_id": event_id,
                    "event_type": PING_TYPE,
                    # Its own key: a ping never waits behind an enrollment's messages.
                    "ordering_key": f"ping:{msg_id}",
                    "payload": ping(event_id, str(endpoint_id), SOURCE, now, PING_TYPE),
                    "event_time": now,
                    "enqueued_at": now,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                }
            ],
        )
        await notify_delivery(uow.session)
        await uow.commit()
    return PingSent(message_id=msg_id)
