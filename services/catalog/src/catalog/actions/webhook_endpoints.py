"""A provider's webhook endpoints (ADR 0023): adding one with its first signing secret,
changing or re-enabling it, removing it, rotating its secret, sending it a ping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from catalog.actions.refusals import Missing
from catalog.db import repository as repo
from catalog.db import webhook_repository as hooks
from catalog.domain.text_rules import check_text
from catalog.domain.violations import ContentInvalid, Violation
from catalog.domain.webhook_event_types import PING_TYPE, unknown_types
from catalog.domain.webhook_payload import ping
from catalog.domain.webhook_signature import new_secret
from catalog.ids import new_id
from catalog.runtime import SOURCE, CatalogRuntime
from catalog.webhooks.fanout import message_id, notify_delivery
from catalog.webhooks.registration import check_url
from catalog.webhooks.secrets import seal

# Whether the caller may manage an endpoint (its row); decided by the adapter.
Visible = Callable[[Any], bool]


class TooManyEndpoints(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"a provider has at most {limit}")
        self.limit = limit


class EndpointDisabled(Exception):
    """A ping to a disabled endpoint: enable it first."""


class PingPending(Exception):
    """A ping to this endpoint is still on its way: one at a time."""


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


async def endpoint_for(
    session: AsyncSession, endpoint_id: UUID, visible: Visible, *, for_update: bool = False
) -> Any:
    """The endpoint, if the caller may see it; another provider's is missing, as if it
    did not exist."""
    row = await hooks.get_endpoint(session, endpoint_id, for_update=for_update)
    if row is None or not visible(row):
        raise Missing("webhook endpoint")
    return row


async def _new_secret(rt: CatalogRuntime, session: AsyncSession, endpoint_id: UUID) -> str:
    secret = new_secret()
    secret_id = new_id()
    nonce, ciphertext = seal(rt.kek, secret_id, secret)
    await hooks.insert_secret(session, secret_id, endpoint_id, nonce, ciphertext, rt.clock.now())
    return secret


async def create(
    rt: CatalogRuntime,
    provider_id: UUID,
    *,
    url: str,
    description: str | None,
    event_types: list[str],
) -> tuple[Any, str]:
    """The new endpoint's row and its signing secret (shown once)."""
    violations = (
        _event_type_violations(event_types)
        + _description_violations(description)
        + await check_url(url, rt.settings)
    )
    if violations:
        raise ContentInvalid(violations)
    now = rt.clock.now()
    endpoint_id = new_id()
    async with rt.db.unit_of_work() as uow:
        # Locked so that two concurrent additions cannot both pass the limit.
        if await repo.get_provider(uow.session, provider_id, for_update=True) is None:
            raise Missing("provider")
        limit = rt.settings.webhook_max_endpoints_per_provider
        if await hooks.count_endpoints(uow.session, provider_id) >= limit:
            raise TooManyEndpoints(limit)
        await hooks.insert_endpoint(
            uow.session,
            id=endpoint_id,
            provider_id=provider_id,
            url=url,
            description=description,
            event_types=sorted(set(event_types)),
            enabled=True,
            created_at=now,
            updated_at=now,
        )
        secret = await _new_secret(rt, uow.session, endpoint_id)
        await uow.commit()
        row = await hooks.get_endpoint(uow.session, endpoint_id)
    return row, secret


async def update(
    rt: CatalogRuntime,
    endpoint_id: UUID,
    changes: dict[str, Any],
    visible: Visible,
    *,
    disabled_by: str,
) -> Any:
    """Apply ``changes`` (url, event_types, description, enabled); re-enabling restarts
    what was pending, disabling records ``disabled_by`` as the reason."""
    if any(changes.get(f, "") is None for f in ("url", "event_types", "enabled")):
        raise ContentInvalid(
            [Violation("body", "required", "url, event_types and enabled cannot be null")]
        )
    changes = dict(changes)
    violations: list[Violation] = []
    if "event_types" in changes:
        violations += _event_type_violations(changes["event_types"])
        changes["event_types"] = sorted(set(changes["event_types"]))
    if "url" in changes:
        violations += await check_url(changes["url"], rt.settings)
    violations += _description_violations(changes.get("description"))
    if violations:
        raise ContentInvalid(violations)
    now = rt.clock.now()
    async with rt.db.unit_of_work() as uow:
        row = await endpoint_for(uow.session, endpoint_id, visible, for_update=True)
        enabled = changes.pop("enabled", None)
        if enabled is True and not row.enabled:
            changes.update(enabled=True, disabled_reason=None, disabled_at=None, failing_since=None)
            await hooks.restart_pending(uow.session, endpoint_id, now)
            await notify_delivery(uow.session)
        elif enabled is False and row.enabled:
            changes.update(enabled=False, disabled_reason=disabled_by, disabled_at=now)
        if changes:
            await hooks.update_endpoint(uow.session, endpoint_id, **changes, updated_at=now)
            await uow.commit()
        return await hooks.get_endpoint(uow.session, endpoint_id)


async def remove(rt: CatalogRuntime, endpoint_id: UUID, visible: Visible) -> None:
    now = rt.clock.now()
    async with rt.db.unit_of_work() as uow:
        await endpoint_for(uow.session, endpoint_id, visible, for_update=True)
        # Kept, not deleted: its delivery log stays readable by ops.
        await hooks.update_endpoint(
            uow.session, endpoint_id, deleted_at=now, enabled=False, updated_at=now
        )
        await hooks.abandon_pending(uow.session, endpoint_id)
        await uow.commit()


async def rotate_secret(
    rt: CatalogRuntime, endpoint_id: UUID, overlap_seconds: int, visible: Visible
) -> tuple[str, datetime]:
    """The new secret, and until when the old ones keep signing."""
    now = rt.clock.now()
    async with rt.db.unit_of_work() as uow:
        await endpoint_for(uow.session, endpoint_id, visible, for_update=True)
        until = now + timedelta(seconds=overlap_seconds)
        await hooks.retire_secrets(uow.session, endpoint_id, now, until)
        secret = await _new_secret(rt, uow.session, endpoint_id)
        await uow.commit()
    return secret, until


async def send_ping(rt: CatalogRuntime, endpoint_id: UUID, visible: Visible) -> str:
    """Queue a test event for the endpoint; its message id."""
    now = rt.clock.now()
    msg_id = message_id()
    async with rt.db.unit_of_work() as uow:
        row = await endpoint_for(uow.session, endpoint_id, visible)
        if not row.enabled:
            raise EndpointDisabled
        if await hooks.ping_pending(uow.session, endpoint_id):
            # One at a time: pings must not turn the catalog into a way to flood a URL.
            raise PingPending
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
    return msg_id
