"""Reads and writes of wallet delivery: offers, holder-bound copies, spent nonces."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from issuance.db.tables import DeliveredCredential, UsedNonce, WalletOffer


async def open_offer_count(session: AsyncSession, credential_id: UUID, now: datetime) -> int:
    result = await session.execute(
        sa.select(sa.func.count())
        .select_from(WalletOffer)
        .where(
            col(WalletOffer.credential_id) == credential_id,
            col(WalletOffer.redeemed_at).is_(None),
            col(WalletOffer.expires_at) > now,
        )
    )
    return int(result.scalar_one())


async def offer_by_code(session: AsyncSession, code_hash: str) -> WalletOffer | None:
    result = await session.execute(
        sa.select(WalletOffer).where(col(WalletOffer.code_hash) == code_hash).with_for_update()
    )
    return result.scalar_one_or_none()


async def offer_by_token(session: AsyncSession, token_hash: str) -> WalletOffer | None:
    result = await session.execute(
        sa.select(WalletOffer).where(col(WalletOffer.token_hash) == token_hash).with_for_update()
    )
    return result.scalar_one_or_none()


async def spend_nonce(session: AsyncSession, nonce_hash: str, expires_at: datetime) -> bool:
    """Record the nonce as spent; False if it already was (a replayed proof)."""
    result = await session.execute(
        insert(UsedNonce)
        .values(nonce_hash=nonce_hash, expires_at=expires_at)
        .on_conflict_do_nothing()
        .returning(col(UsedNonce.nonce_hash))
    )
    return result.scalar_one_or_none() is not None


async def forget_expired_nonces(session: AsyncSession, now: datetime) -> None:
    # Past its expiry a nonce is refused anyway; the table holds only live ones.
    await session.execute(sa.delete(UsedNonce).where(col(UsedNonce.expires_at) < now))


async def copies_of(
    session: AsyncSession, credential_id: UUID, *, lock: bool = False
) -> Sequence[DeliveredCredential]:
    stmt = sa.select(DeliveredCredential).where(
        col(DeliveredCredential.credential_id) == credential_id
    )
    if lock:
        stmt = stmt.with_for_update()
    result = await session.execute(stmt)
    return result.scalars().all()


async def get_copy(session: AsyncSession, copy_id: UUID) -> DeliveredCredential | None:
    return await session.get(DeliveredCredential, copy_id)
