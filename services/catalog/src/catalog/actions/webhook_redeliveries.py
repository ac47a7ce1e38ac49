"""Delivering webhook messages again: one message (same webhook-id), or every message of
an endpoint since a time."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from catalog.actions.refusals import Missing
from catalog.actions.webhook_endpoints import Visible, endpoint_for
from catalog.db import webhook_repository as hooks
from catalog.runtime import CatalogRuntime
from catalog.webhooks.fanout import is_message_id, notify_delivery


async def redeliver_message(
    rt: CatalogRuntime, endpoint_id: UUID, message_id: str, visible: Visible
) -> None:
    now = rt.clock.now()
    async with rt.db.unit_of_work() as uow:
        await endpoint_for(uow.session, endpoint_id, visible)
        if not is_message_id(message_id) or not await hooks.redeliver_message(
            uow.session, endpoint_id, message_id, now
        ):
            raise Missing("message")
        await notify_delivery(uow.session)
        await uow.commit()


async def redeliver_since(
    rt: CatalogRuntime, endpoint_id: UUID, since: datetime, visible: Visible
) -> int:
    """How many messages go out again."""
    now = rt.clock.now()
    async with rt.db.unit_of_work() as uow:
        await endpoint_for(uow.session, endpoint_id, visible)
        count = await hooks.redeliver_since(uow.session, endpoint_id, since, now)
        await notify_delivery(uow.session)
        await uow.commit()
    return count
