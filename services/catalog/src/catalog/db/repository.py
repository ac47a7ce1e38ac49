"""The queries the API shares: rows in, domain values out."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.db.tables import offering_versions, offerings, provider_api_keys, providers
from catalog.domain.cursor import Cursor
from catalog.domain.offering_content import AchievementContent, OfferingContent
from catalog.domain.provider_profile import ProviderProfile

# Any row of any width: these queries select whole tables.
DbRow = Row[*tuple[Any, ...]]

# --- providers ---------------------------------------------------------------------


async def insert_provider(
    session: AsyncSession, provider_id: UUID, profile: ProviderProfile, now: datetime
) -> None:
    await session.execute(
        sa.insert(providers).values(
            id=provider_id, **asdict(profile), registered_at=now, updated_at=now
        )
    )


async def get_provider(
    session: AsyncSession, provider_id: UUID, *, for_update: bool = False
) -> DbRow | None:
    stmt = sa.select(providers).where(providers.c.id == provider_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).first()


def profile_of(row: DbRow) -> ProviderProfile:
    return ProviderProfile(
        name=row.name,
        contact_email=row.contact_email,
        website=row.website,
        description=row.description,
        logo_url=row.logo_url,
    )


async def update_provider(
    session: AsyncSession, provider_id: UUID, profile: ProviderProfile, now: datetime
) -> None:
    await session.execute(
        sa.update(providers)
        .where(providers.c.id == provider_id)
        .values(**asdict(profile), updated_at=now)
    )


# --- API keys ----------------------------------------------------------------------


async def insert_api_key(
    session: AsyncSession,
    key_id: UUID,
    provider_id: UUID,
    prefix: str,
    secret_hash: bytes,
    now: datetime,
) -> None:
    await session.execute(
        sa.insert(provider_api_keys).values(
            id=key_id,
            provider_id=provider_id,
            prefix=prefix,
            secret_hash=secret_hash,
            created_at=now,
        )
    )


async def list_api_keys(
    session: AsyncSession,
    provider_id: UUID,
    *,
    limit: int,
    after: tuple[datetime, UUID] | None = None,
) -> list[DbRow]:
    """Newest first; ``after`` is the (created_at, id) of the previous page's last key."""
    k = provider_api_keys
    stmt = sa.select(k).where(k.c.provider_id == provider_id)
    if after is not None:
        stmt = stmt.where(sa.tuple_(k.c.created_at, k.c.id) < sa.tuple_(*after))
    stmt = stmt.order_by(k.c.created_at.desc(), k.c.id.desc()).limit(limit)
    return list((await session.execute(stmt)).all())


async def get_api_key(
    session: AsyncSession, provider_id: UUID, key_id: UUID, *, for_update: bool = False
) -> DbRow | None:
    k = provider_api_keys
    stmt = sa.select(k).where(k.c.id == key_id, k.c.provider_id == provider_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).first()


async def find_api_key(session: AsyncSession, prefix: str) -> DbRow | None:
    k = provider_api_keys
    stmt = sa.select(k).where(k.c.prefix == prefix)
    return (await session.execute(stmt)).first()


async def set_api_key_times(session: AsyncSession, key_id: UUID, **times: datetime) -> None:
    await session.execute(
        sa.update(provider_api_keys).where(provider_api_keys.c.id == key_id).values(**times)
    )


# --- offerings ---------------------------------------------------------------------


def content_columns(content: OfferingContent) -> dict[str, Any]:
    return {
        "title": content.title,
        "description": content.description,
        "skills": list(content.skills),
        "skills_text": " ".join(content.skills),
        "level": content.level,
        "duration_minutes": content.duration_minutes,
        "language": content.language,
        "price_amount": content.price_amount,
        "price_currency": content.price_currency,
        "achievement": asdict(content.achievement),
    }


def content_of(row: DbRow) -> OfferingContent:
    return OfferingContent(
        title=row.title,
        description=row.description,
        skills=tuple(row.skills),
        level=row.level,
        duration_minutes=row.duration_minutes,
        language=row.language,
        price_amount=row.price_amount,
        price_currency=row.price_currency,
        achievement=AchievementContent(**row.achievement),
    )


async def insert_offering(
    session: AsyncSession,
    offering_id: UUID,
    provider_id: UUID,
    content: OfferingContent,
    now: datetime,
) -> None:
    await session.execute(
        sa.insert(offerings).values(
            id=offering_id,
            provider_id=provider_id,
            status="draft",
            version=0,
            created_at=now,
            updated_at=now,
            **content_columns(content),
        )
    )


OFFERING_COLUMNS = [c for c in offerings.c if c.name != "search"]


async def get_offering(
    session: AsyncSession, offering_id: UUID, *, for_update: bool = False
) -> DbRow | None:
    stmt = sa.select(*OFFERING_COLUMNS).where(offerings.c.id == offering_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).first()


async def update_offering(session: AsyncSession, offering_id: UUID, **values: Any) -> None:
    await session.execute(
        sa.update(offerings).where(offerings.c.id == offering_id).values(**values)
    )


async def insert_version(
    session: AsyncSession,
    offering_id: UUID,
    version: int,
    snapshot: dict[str, Any],
    now: datetime,
) -> None:
    await session.execute(
        sa.insert(offering_versions).values(
            offering_id=offering_id, version=version, snapshot=snapshot, published_at=now
        )
    )


async def get_version(session: AsyncSession, offering_id: UUID, version: int) -> DbRow | None:
    v = offering_versions
    stmt = sa.select(v).where(v.c.offering_id == offering_id, v.c.version == version)
    return (await session.execute(stmt)).first()


async def list_provider_offerings(
    session: AsyncSession,
    provider_id: UUID,
    status: str | None,
    limit: int,
    after: Cursor | None,
) -> list[DbRow]:
    o = offerings
    stmt = sa.select(*OFFERING_COLUMNS, o.c.created_at.label("sort_key")).where(
        o.c.provider_id == provider_id
    )
    if status is not None:
        stmt = stmt.where(o.c.status == status)
    if after is not None:
        stmt = stmt.where(sa.tuple_(o.c.created_at, o.c.id) < (after.key, after.last_id))
    stmt = stmt.order_by(o.c.created_at.desc(), o.c.id.desc()).limit(limit + 1)
    return list((await session.execute(stmt)).all())
