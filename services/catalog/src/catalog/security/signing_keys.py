"""The keys that sign provider tokens: ES256, private halves encrypted with the KEK.

Created on first start, rotatable; a rotated-out key stays in the JWKS until every
token it signed has expired. Two replicas starting at once are serialised by an
advisory lock, and a partial unique index allows only one active key regardless.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from credmarket_platform.auth.jwks import public_jwk
from credmarket_platform.kek import decrypt, encrypt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.db.tables import signing_keys

ALGORITHM = "ES256"
# Any constant unique within the catalog database (the outbox relay uses 0x0B0C).
_LOCK_NAMESPACE = 0x0CA7
_LOCK_SIGNING_KEYS = 1


@dataclass(frozen=True)
class ActiveKey:
    kid: str
    private_key: ec.EllipticCurvePrivateKey


class SigningKeys:
    def __init__(self, kek: bytes) -> None:
        self._kek = kek
        # Decrypted keys by kid; a kid's key never changes, so this never goes stale.
        self._cache: dict[str, ec.EllipticCurvePrivateKey] = {}

    async def ensure_active(self, session: AsyncSession, now: datetime) -> str:
        """The active key's kid, creating the first key if there is none."""
        await _lock(session)
        row = (
            await session.execute(
                sa.select(signing_keys.c.kid).where(signing_keys.c.retired_at.is_(None))
            )
        ).first()
        if row is not None:
            return str(row.kid)
        return await self._create(session, now)

    async def rotate(self, session: AsyncSession, now: datetime) -> str:
        """Retire the active key (it keeps verifying) and start signing with a new one."""
        await _lock(session)
        await session.execute(
            sa.update(signing_keys)
            .where(signing_keys.c.retired_at.is_(None))
            .values(retired_at=now)
        )
        return await self._create(session, now)

    async def active(self, session: AsyncSession) -> ActiveKey | None:
        # Read on every use, not cached: after a rotation by another replica this one
        # must sign with the new key too.
        row = (
            await session.execute(
                sa.select(signing_keys).where(signing_keys.c.retired_at.is_(None))
            )
        ).first()
        if row is None:
            return None
        key = self._cache.get(row.kid)
        if key is None:
            pem = decrypt(
                self._kek,
                bytes(row.nonce),
                bytes(row.private_key_ciphertext),
                row.kid.encode(),
            )
            key = cast(ec.EllipticCurvePrivateKey, serialization.load_pem_private_key(pem, None))
            self._cache[row.kid] = key
        return ActiveKey(row.kid, key)

    async def jwks(self, session: AsyncSession, now: datetime, keep: timedelta) -> dict[str, Any]:
        """Public keys of the active key and of keys retired less than ``keep`` ago."""
        rows = (
            await session.execute(
                sa.select(signing_keys.c.public_jwk)
                .where(
                    sa.or_(
                        signing_keys.c.retired_at.is_(None),
                        signing_keys.c.retired_at > now - keep,
                    )
                )
                .order_by(signing_keys.c.created_at.desc())
            )
        ).all()
        return {"keys": [dict(r.public_jwk) for r in rows]}

    async def _create(self, session: AsyncSession, now: datetime) -> str:
        kid = f"catalog-{now:%Y%m%d}-{uuid.uuid4().hex[:12]}"
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        nonce, ciphertext = encrypt(self._kek, pem, kid.encode())
        await session.execute(
            sa.insert(signing_keys).values(
                kid=kid,
                algorithm=ALGORITHM,
                public_jwk=public_jwk(key, kid),
                private_key_ciphertext=ciphertext,
                nonce=nonce,
                created_at=now,
            )
        )
        self._cache[kid] = key
        return kid


async def _lock(session: AsyncSession) -> None:
    await session.execute(
        sa.select(sa.func.pg_advisory_xact_lock(_LOCK_NAMESPACE, _LOCK_SIGNING_KEYS))
    )
