"""A provider's own offerings: create a draft, edit it (or publish a new version), publish
it, retire it. Each step commits its change, its event and the provider's webhook
deliveries together."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from catalog.actions.refusals import Missing, ProviderNotRegistered
from catalog.clock import utcnow
from catalog.db import repository as repo
from catalog.domain import offering_lifecycle as lifecycle
from catalog.domain.offering_content import OfferingContent, apply_changes
from catalog.domain.offering_events import published_event, retired_event, updated_event
from catalog.domain.offering_lifecycle import EditKind, OfferingStatus
from catalog.domain.offering_rules import check_draft, check_publishable
from catalog.domain.violations import ContentInvalid
from catalog.ids import new_id
from catalog.runtime import SOURCE, CatalogRuntime
from catalog.webhooks.fanout import enqueue


async def create_draft(rt: CatalogRuntime, provider_id: UUID, content: OfferingContent) -> Any:
    violations = check_draft(content)
    if violations:
        raise ContentInvalid(violations)
    offering_id = new_id()
    async with rt.db.unit_of_work() as uow:
        if await repo.get_provider(uow.session, provider_id) is None:
            raise ProviderNotRegistered
        await repo.insert_offering(uow.session, offering_id, provider_id, content, utcnow())
        await uow.commit()
        return await repo.get_offering(uow.session, offering_id)


async def edit(
    rt: CatalogRuntime,
    provider_id: UUID,
    offering_id: UUID,
    changes: dict[str, Any],
    achievement_changes: dict[str, Any],
) -> Any:
    """A draft is edited in place; a published offering gets a new version."""
    now = utcnow()
    async with rt.db.unit_of_work() as uow:
        row = await own_offering(uow.session, provider_id, offering_id, lock=True)
        kind = lifecycle.edit(OfferingStatus(row.status))
        current = repo.content_of(row)
        content = apply_changes(current, changes, achievement_changes)
        if content == current:
            return row
        if kind is EditKind.DRAFT_EDIT:
            violations = check_draft(content)
        else:
            violations = check_publishable(content)
        if violations:
            raise ContentInvalid(violations)
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
        return await repo.get_offering(uow.session, offering_id)


async def publish(rt: CatalogRuntime, provider_id: UUID, offering_id: UUID) -> Any:
    """Version 1 goes out; every field is checked, on the stored draft."""
    now = utcnow()
    async with rt.db.unit_of_work() as uow:
        row = await own_offering(uow.session, provider_id, offering_id, lock=True)
        version = lifecycle.publish(OfferingStatus(row.status), row.version)
        content = repo.content_of(row)
        violations = check_publishable(content)
        if violations:
            raise ContentInvalid(violations, stored=True)
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
        return await repo.get_offering(uow.session, offering_id)


async def retire(rt: CatalogRuntime, provider_id: UUID, offering_id: UUID) -> Any:
    """No new buyers; learners who bought it keep it."""
    now = utcnow()
    async with rt.db.unit_of_work() as uow:
        row = await own_offering(uow.session, provider_id, offering_id, lock=True)
        status = lifecycle.retire(OfferingStatus(row.status))
        await repo.update_offering(
            uow.session, offering_id, status=status.value, retired_at=now, updated_at=now
        )
        envelope = uow.emit_new(
            retired_event(offering_id, row.provider_id, row.version, now), SOURCE
        )
        await enqueue(uow.session, envelope, row.provider_id, str(offering_id), rt.clock.now())
        await uow.commit()
        return await repo.get_offering(uow.session, offering_id)


async def own_offering(
    session: AsyncSession, provider_id: UUID, offering_id: UUID, *, lock: bool = False
) -> Any:
    """The provider's offering; another provider's is missing, not forbidden."""
    row = await repo.get_offering(session, offering_id, for_update=lock)
    if row is None or row.provider_id != provider_id:
        raise Missing("offering")
    return row
