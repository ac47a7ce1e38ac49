"""Revocation status lists: create, allocate a bit, set a bit, re-sign."""

from __future__ import annotations

import uuid
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from issuance.actions.keyring import SigningKey
from issuance.credentials import signing
from issuance.credentials.status_list import (
    StatusList as Bits,
)
from issuance.credentials.status_list import (
    StatusListError,
    allocate_index,
    build_status_list_credential,
)
from issuance.db import repository
from issuance.db.tables import StatusList
from issuance.domain.public_urls import status_list_url
from issuance.runtime import IssuanceRuntime

_PROBES = 16


def sign_list(
    row: StatusList, bits: Bits, key: SigningKey, rt: IssuanceRuntime, now: datetime
) -> None:
    """Store the bits and a freshly signed BitstringStatusListCredential on ``row``."""
    unsigned = build_status_list_credential(
        list_url=status_list_url(rt.public_base_url, row.id),
        issuer=key.issuer_did,
        status_list=bits,
        valid_from=now,
    )
    row.bits = bits.to_bytes()
    row.signed_credential = signing.sign(
        unsigned, key.private_key, key.verification_method, created=now
    )
    row.updated_at = now


def _bits_of(row: StatusList) -> Bits:
    bits = Bits(row.size)
    raw = bytes(row.bits)
    for byte_index, byte in enumerate(raw):
        if byte:
            for bit in range(8):
                if byte & (0x80 >> bit):
                    bits.set(byte_index * 8 + bit)
    return bits


def new_list(issuer_id: UUID, key: SigningKey, rt: IssuanceRuntime, now: datetime) -> StatusList:
    row = StatusList(
        id=uuid.uuid4(),
        issuer_id=issuer_id,
        size=rt.status_list_size,
        bits=b"",
        signed_credential={},
        created_at=now,
        updated_at=now,
    )
    sign_list(row, Bits(rt.status_list_size), key, rt, now)
    return row


async def allocate_bit(
    session: AsyncSession, issuer_id: UUID, key: SigningKey, rt: IssuanceRuntime, now: datetime
) -> tuple[StatusList, int]:
    """A random unused bit in the issuer's open list (a new list when it is full).

    The list row stays locked until commit, so two issuances cannot pick the same
    bit (the unique constraint would catch it anyway).
    """
    row = await repository.latest_status_list(session, issuer_id, lock=True)
    if row is not None:
        # Random probes, the first free one taken: uniform over the free bits, like
        # allocate_index, without reading every bit already used (a read that grew with
        # each credential in the list). Only when every probe is taken, the list being
        # nearly full, is the whole set read to decide.
        candidates = [rt.randbelow(row.size) for _ in range(_PROBES)]
        index = await repository.first_free_index(session, row.id, candidates)
        if index is not None:
            return row, index
        used = await repository.used_indexes(session, row.id)
        try:
            return row, allocate_index(used, rt.randbelow, row.size)
        except StatusListError:
            pass  # full: start the next list
    row = new_list(issuer_id, key, rt, now)
    session.add(row)
    await session.flush()
    return row, allocate_index(set(), rt.randbelow, row.size)


def set_bit(
    row: StatusList, index: int, key: SigningKey, rt: IssuanceRuntime, now: datetime
) -> None:
    """Set the revocation bit and re-sign; the caller holds the row lock."""
    bits = _bits_of(row)
    bits.set(index)
    sign_list(row, bits, key, rt, now)


def resign(row: StatusList, key: SigningKey, rt: IssuanceRuntime, now: datetime) -> None:
    sign_list(row, _bits_of(row), key, rt, now)
