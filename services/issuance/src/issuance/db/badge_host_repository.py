"""Reads and writes of the Open Badges 3.0 API: clients, authorizations, grants, tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from issuance.db.tables import (
    BadgeHostAuthorization,
    BadgeHostClient,
    BadgeHostDelivery,
    BadgeHostGrant,
    BadgeHostToken,
    Credential,
    DeliveredCredential,
    HostedCredential,
)


async def get_client(session: AsyncSession, client_id: str) -> BadgeHostClient | None:
    return await session.get(BadgeHostClient, client_id)


async def get_authorization(
    session: AsyncSession, authorization_id: UUID, *, lock: bool = False
) -> BadgeHostAuthorization | None:
    return await session.get(BadgeHostAuthorization, authorization_id, with_for_update=lock)


async def authorization_by_code(
    session: AsyncSession, code_hash: str
) -> BadgeHostAuthorization | None:
    result = await session.execute(
        sa.select(BadgeHostAuthorization)
        .where(col(BadgeHostAuthorization.code_hash) == code_hash)
        .with_for_update()
    )
    return result.scalar_one_or_none()


async def get_token(
    session: AsyncSession, token_hash: str, *, lock: bool = False
) -> BadgeHostToken | None:
    return await session.get(BadgeHostToken, token_hash, with_for_update=lock)


async def get_grant(session: AsyncSession, grant_id: UUID) -> BadgeHostGrant | None:
    return await session.get(BadgeHostGrant, grant_id)


async def grants_with_clients(
    session: AsyncSession, learner_id: UUID
) -> list[tuple[BadgeHostGrant, BadgeHostClient]]:
    """A learner's grants (newest 200), each with the host it was given to: one query."""
    result = await session.execute(
        sa.select(BadgeHostGrant, BadgeHostClient)
        .join(BadgeHostClient, col(BadgeHostClient.client_id) == col(BadgeHostGrant.client_id))
        .where(col(BadgeHostGrant.learner_id) == learner_id)
        .order_by(col(BadgeHostGrant.created_at).desc())
        .limit(200)
    )
    return [(grant, client) for grant, client in result.tuples().all()]


async def expire_tokens(session: AsyncSession, grant_id: UUID, now: datetime) -> None:
    await session.execute(
        sa.update(BadgeHostToken)
        .where(col(BadgeHostToken.grant_id) == grant_id, col(BadgeHostToken.expires_at) > now)
        .values(expires_at=now)
    )


async def learner_credentials(
    session: AsyncSession, learner_id: UUID, since: datetime | None, offset: int, limit: int
) -> tuple[Sequence[Credential], int]:
    where = [col(Credential.learner_id) == learner_id]
    if since is not None:
        where.append(col(Credential.issued_at) > since)
    rows = await session.execute(
        sa.select(Credential)
        .where(*where)
        .order_by(col(Credential.issued_at), col(Credential.id))
        .offset(offset)
        .limit(limit)
    )
    total = await session.execute(sa.select(sa.func.count()).select_from(Credential).where(*where))
    return rows.scalars().all(), int(total.scalar_one())


async def hosted_credentials(
    session: AsyncSession, learner_id: UUID, since: datetime | None, offset: int, limit: int
) -> tuple[Sequence[HostedCredential], int]:
    where = [col(HostedCredential.learner_id) == learner_id]
    if since is not None:
        where.append(col(HostedCredential.updated_at) > since)
    rows = await session.execute(
        sa.select(HostedCredential)
        .where(*where)
        .order_by(col(HostedCredential.updated_at), col(HostedCredential.id))
        .offset(offset)
        .limit(limit)
    )
    total = await session.execute(
        sa.select(sa.func.count()).select_from(HostedCredential).where(*where)
    )
    return rows.scalars().all(), int(total.scalar_one())


async def upsert_hosted(session: AsyncSession, row: HostedCredential) -> bool:
    """Insert or replace by (learner, credential id); True if it was new."""
    values = {
        "id": row.id,
        "learner_id": row.learner_id,
        "credential_key": row.credential_key,
        "document": row.document,
        "client_id": row.client_id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
    statement = insert(HostedCredential).values(**values)
    result: sa.Result[Any] = await session.execute(
        statement.on_conflict_do_update(
            constraint="uq_hosted_credentials_key",
            set_={
                "document": statement.excluded.document,
                "client_id": statement.excluded.client_id,
                "updated_at": statement.excluded.updated_at,
            },
        ).returning(sa.literal_column("xmax = 0"))
    )
    return bool(result.scalar_one())


async def record_deliveries(
    session: AsyncSession, client_id: str, credential_ids: Sequence[UUID], now: datetime
) -> set[UUID]:
    """Mark credentials as fetched by the host; the ids that were not before."""
    if not credential_ids:
        return set()
    result = await session.execute(
        insert(BadgeHostDelivery)
        .values(
            [
                {"client_id": client_id, "credential_id": each, "delivered_at": now}
                for each in credential_ids
            ]
        )
        .on_conflict_do_nothing()
        .returning(col(BadgeHostDelivery.credential_id))
    )
    return set(result.scalars().all())


async def any_issued_here(session: AsyncSession, document_ids: Sequence[str]) -> bool:
    """Whether any of these credential ids is one this service issued (or a wallet copy)."""
    uuids = []
    for each in document_ids:
        try:
            uuids.append(UUID(each.removeprefix("urn:uuid:")))
        except ValueError:
            continue
    if not uuids:
        return False
    found = await session.execute(
        sa.union_all(
            sa.select(col(Credential.id)).where(col(Credential.id).in_(uuids)),
            sa.select(col(DeliveredCredential.id)).where(col(DeliveredCredential.id).in_(uuids)),
        ).limit(1)
    )
    return found.first() is not None
