"""Queries the API and the handlers share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from issuance.db.tables import (
    Credential,
    DeliveredCredential,
    EnrollmentRevocation,
    Issuer,
    IssuerKey,
    StatusList,
)


async def get_issuer(
    session: AsyncSession, issuer_id: UUID, *, lock: bool = False
) -> Issuer | None:
    stmt = sa.select(Issuer).where(col(Issuer.id) == issuer_id)
    if lock:
        stmt = stmt.with_for_update()
    result = await session.execute(stmt)
    return result.scalar_one_or_none()


async def issuer_keys(session: AsyncSession, issuer_id: UUID) -> Sequence[IssuerKey]:
    """Every key of the issuer, oldest first (the DID document order)."""
    result = await session.execute(
        sa.select(IssuerKey)
        .where(col(IssuerKey.issuer_id) == issuer_id)
        .order_by(col(IssuerKey.created_at), col(IssuerKey.key_id))
    )
    return result.scalars().all()


async def current_key(session: AsyncSession, issuer_id: UUID) -> IssuerKey | None:
    result = await session.execute(
        sa.select(IssuerKey).where(
            col(IssuerKey.issuer_id) == issuer_id, col(IssuerKey.retired_at).is_(None)
        )
    )
    return result.scalar_one_or_none()


async def latest_status_list(
    session: AsyncSession, issuer_id: UUID, *, lock: bool = False
) -> StatusList | None:
    stmt = (
        sa.select(StatusList)
        .where(col(StatusList.issuer_id) == issuer_id)
        .order_by(col(StatusList.created_at).desc(), col(StatusList.id))
        .limit(1)
    )
    if lock:
        stmt = stmt.with_for_update()
    result = await session.execute(stmt)
    return result.scalar_one_or_none()


async def status_lists_of(session: AsyncSession, issuer_id: UUID) -> Sequence[StatusList]:
    result = await session.execute(
        sa.select(StatusList).where(col(StatusList.issuer_id) == issuer_id).with_for_update()
    )
    return result.scalars().all()


async def get_status_list(
    session: AsyncSession, list_id: UUID, *, lock: bool = False
) -> StatusList | None:
    stmt = sa.select(StatusList).where(col(StatusList.id) == list_id)
    if lock:
        stmt = stmt.with_for_update()
    result = await session.execute(stmt)
    return result.scalar_one_or_none()


async def used_indexes(session: AsyncSession, list_id: UUID) -> set[int]:
    """Bits taken in the list, by credentials and by their wallet copies alike."""
    result = await session.execute(
        sa.union_all(
            sa.select(col(Credential.status_index)).where(
                col(Credential.status_list_id) == list_id
            ),
            sa.select(col(DeliveredCredential.status_index)).where(
                col(DeliveredCredential.status_list_id) == list_id
            ),
        )
    )
    return set(result.scalars().all())


_FIRST_FREE_INDEX = sa.text(
    """
    SELECT c.idx FROM unnest(CAST(:candidates AS integer[])) WITH ORDINALITY AS c(idx, n)
    WHERE NOT EXISTS (
        SELECT 1 FROM credentials WHERE status_list_id = :list_id AND status_index = c.idx
    ) AND NOT EXISTS (
        SELECT 1 FROM delivered_credentials
        WHERE status_list_id = :list_id AND status_index = c.idx
    )
    ORDER BY c.n
    LIMIT 1
    """
)


async def first_free_index(
    session: AsyncSession, list_id: UUID, candidates: list[int]
) -> int | None:
    """The first of ``candidates`` (in their order) that no credential or wallet copy holds.

    One indexed look-up per candidate (the unique status-bit constraints), so the cost
    does not grow with the number of credentials already in the list.
    """
    index = await session.scalar(_FIRST_FREE_INDEX, {"list_id": list_id, "candidates": candidates})
    return None if index is None else int(index)


async def credential_for_enrollment(
    session: AsyncSession, enrollment_id: UUID, *, lock: bool = False
) -> Credential | None:
    stmt = sa.select(Credential).where(col(Credential.enrollment_id) == enrollment_id)
    if lock:
        stmt = stmt.with_for_update()
    result = await session.execute(stmt)
    return result.scalar_one_or_none()


async def get_credential(
    session: AsyncSession, credential_id: UUID, *, lock: bool = False
) -> Credential | None:
    stmt = sa.select(Credential).where(col(Credential.id) == credential_id)
    if lock:
        stmt = stmt.with_for_update()
    result = await session.execute(stmt)
    return result.scalar_one_or_none()


async def list_credentials(
    session: AsyncSession,
    *,
    learner_id: UUID | None = None,
    issuer_id: UUID | None = None,
    limit: int = 50,
    offset: int = 0,
    after: tuple[datetime, UUID] | None = None,
) -> Sequence[Credential]:
    """Newest first; ``after`` is the (issued_at, id) of the previous page's last item."""
    stmt = sa.select(Credential)
    if after is not None:
        stmt = stmt.where(
            sa.tuple_(col(Credential.issued_at), col(Credential.id)) < sa.tuple_(*after)
        )
    if learner_id is not None:
        stmt = stmt.where(col(Credential.learner_id) == learner_id)
    if issuer_id is not None:
        stmt = stmt.where(col(Credential.issuer_id) == issuer_id)
    stmt = (
        stmt.order_by(col(Credential.issued_at).desc(), col(Credential.id).desc())
        .limit(limit)
        .offset(offset)
    )
    result = await session.execute(stmt)
    return result.scalars().all()


async def enrollment_revocation(
    session: AsyncSession, enrollment_id: UUID
) -> EnrollmentRevocation | None:
    return await session.get(EnrollmentRevocation, enrollment_id)


@dataclass(frozen=True)
class IssuanceFactRows:
    """What deciding an issuance reads: the enrollment's credential if it has one, the
    provider's issuer if it is registered, and whether the enrollment was revoked; and
    what issuing then signs with, the issuer's current key."""

    credential: Credential | None
    issuer: Issuer | None
    enrollment_revoked: bool
    current_key: IssuerKey | None


_ONE_ROW = sa.select(sa.literal(1).label("one")).subquery("one_row")
# Every completion runs this before it is issued: the four look-ups in one statement
# (one round trip instead of four), built once and only bound per call. Each side of a
# join finds at most one row (one credential per enrollment, issuers by id, one
# unretired key per issuer), so the answer is always exactly one row; a missing side
# comes back as None.
_ISSUANCE_FACTS = sa.select(
    Credential,
    Issuer,
    sa.exists()
    .where(col(EnrollmentRevocation.enrollment_id) == sa.bindparam("enrollment_id"))
    .label("enrollment_revoked"),
    IssuerKey,
).select_from(
    _ONE_ROW.outerjoin(
        Credential.__table__,  # type: ignore[attr-defined]
        col(Credential.enrollment_id) == sa.bindparam("enrollment_id"),
    )
    .outerjoin(
        Issuer.__table__,  # type: ignore[attr-defined]
        col(Issuer.id) == sa.bindparam("issuer_id"),
    )
    .outerjoin(
        IssuerKey.__table__,  # type: ignore[attr-defined]
        sa.and_(
            col(IssuerKey.issuer_id) == sa.bindparam("issuer_id"),
            col(IssuerKey.retired_at).is_(None),
        ),
    )
)


async def issuance_facts(
    session: AsyncSession, enrollment_id: UUID, issuer_id: UUID
) -> IssuanceFactRows:
    result = await session.execute(
        _ISSUANCE_FACTS, {"enrollment_id": enrollment_id, "issuer_id": issuer_id}
    )
    credential, issuer, revoked, key = result.one()
    return IssuanceFactRows(credential, issuer, bool(revoked), key)
