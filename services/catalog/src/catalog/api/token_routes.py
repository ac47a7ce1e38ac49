"""Provider API keys exchanged for short-lived JWTs, and the keys to verify them."""

from __future__ import annotations

from datetime import timedelta

from credmarket_platform.auth import Principal, mint_token, require
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.idempotency import idempotency_key
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends, Response

from catalog.api.dependencies import get_runtime
from catalog.api.token_models import Jwks, ProviderToken, SigningKey, TokenRequest
from catalog.clock import utcnow
from catalog.db import repository as repo
from catalog.domain.api_keys import hash_secret, key_usable, parse_key, secret_matches
from catalog.runtime import CatalogRuntime

router = APIRouter(tags=["provider tokens"])

# Compared against when no key has the presented prefix, so that an unknown prefix
# costs the same as a wrong secret.
_DUMMY_HASH = hash_secret("no-such-key")


def _rejected() -> ProblemError:
    # One answer for every failure: which part was wrong is nobody's business.
    return ProblemError(
        401,
        detail="the API key is invalid, revoked or expired",
        headers={"WWW-Authenticate": 'ApiKey realm="credmarket"'},
    )


@router.post(
    "/v1/provider-tokens",
    summary="Exchange a provider API key for a short-lived bearer token",
    responses=problem_responses(pt.UNAUTHORIZED, pt.TEMPORARILY_UNAVAILABLE),
)
async def exchange_api_key(
    body: TokenRequest, rt: CatalogRuntime = Depends(get_runtime)
) -> ProviderToken:
    presented = parse_key(body.api_key)
    now = utcnow()
    async with rt.db.unit_of_work() as uow:
        row = await repo.find_api_key(uow.session, presented.prefix) if presented else None
        matches = secret_matches(
            presented.secret if presented else "", row.secret_hash if row else _DUMMY_HASH
        )
        if row is None or not matches or not key_usable(row.revoked_at, row.expires_at, now):
            raise _rejected()
        provider = await repo.get_provider(uow.session, row.provider_id)
        assert provider is not None
        active = await rt.signing_keys.active(uow.session)
        if active is None:
            raise ProblemError(503, detail="no signing key is active yet")
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
    return ProviderToken(access_token=token, expires_in=ttl, provider_id=row.provider_id)


@router.get(
    "/.well-known/jwks.json",
    summary="Public keys that verify provider tokens (JWKS)",
)
async def jwks(response: Response, rt: CatalogRuntime = Depends(get_runtime)) -> Jwks:
    keep = timedelta(seconds=rt.settings.provider_token_ttl_s + rt.settings.signing_key_overlap_s)
    async with rt.db.unit_of_work() as uow:
        document = await rt.signing_keys.jwks(uow.session, utcnow(), keep)
    # Short: verifiers refetch on an unknown kid anyway, and rotation should spread fast.
    response.headers["Cache-Control"] = "public, max-age=60"
    return Jwks(**document)


@router.post(
    "/v1/signing-keys",
    status_code=201,
    summary="Rotate the provider-token signing key (ops)",
    responses=problem_responses(),
)
async def rotate_signing_key(
    principal: Principal = require("ops"),
    _key: str | None = idempotency_key(required=False),
    rt: CatalogRuntime = Depends(get_runtime),
) -> SigningKey:
    now = utcnow()
    async with rt.db.unit_of_work() as uow:
        kid = await rt.signing_keys.rotate(uow.session, now)
        await uow.commit()
    return SigningKey(kid=kid, created_at=now)
