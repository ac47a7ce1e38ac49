"""Provider API keys exchanged for short-lived JWTs, and the rotation of the key that
signs them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from credmarket_platform.auth import mint_token

from catalog.clock import utcnow
from catalog.db import repository as repo
from catalog.domain.api_keys import hash_secret, key_usable, parse_key, secret_matches
from catalog.runtime import CatalogRuntime

# Compared against when no key has the presented prefix, so that an unknown prefix
# costs the same as a wrong secret.
_DUMMY_HASH = hash_secret("no-such-key")


class KeyRejected(Exception):
    """Invalid, revoked or expired: one refusal for all, which part was wrong is
    nobody's business."""


class NoSigningKey(Exception):
    """No signing key is active yet."""


@dataclass(frozen=True)
class ProviderToken:
    token: str
    ttl_s: int
    provider_id: UUID


async def exchange(rt: CatalogRuntime, api_key: str) -> ProviderToken:
    presented = parse_key(api_key)
    now = utcnow()
    async with rt.db.unit_of_work() as uow:
        row = await repo.find_api_key(uow.session, presented.prefix) if presented else None
        matches = secret_matches(
            presented.secret if presented else "", row.secret_hash if row else _DUMMY_HASH
        )
        if row is None or not matches or not key_usable(row.revoked_at, row.expires_at, now):
            raise KeyRejected
        provider = await repo.get_provider(uow.session, row.provider_id)
        assert provider is not None
        active = await rt.signing_keys.active(uow.session)
        if active is None:
            raise NoSigningKey
        await repo.set_api_key_times(uow.session, row.id, last_used_at=now)
        await uow.commit()
    ttl = rt.settings.provider_token_ttl_s
    token = mint_token(
        str(row.provider_id),
        "provider",
        issuer=rt.settings.provider_token_issuer,
        audience=rt.settings.jwt_audience,
        private_key=active.private_key,
        kid=active.kid,
        ttl=timedelta(seconds=ttl),
        name=provider.name,
        issued_at=now,
    )
    return ProviderToken(token=token, ttl_s=ttl, provider_id=row.provider_id)


async def rotate_signing_key(rt: CatalogRuntime) -> tuple[str, datetime]:
    """A new active signing key: its kid and when it started. The old one keeps verifying
    for the overlap."""
    now = utcnow()
    async with rt.db.unit_of_work() as uow:
        kid = await rt.signing_keys.rotate(uow.session, now)
        await uow.commit()
    return kid, now
