"""Provider API keys exchanged for short-lived JWTs, and the keys to verify them."""

from __future__ import annotations

from datetime import timedelta

from credmarket_platform.auth import Principal, require
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.idempotency import idempotency_key
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends, Response

from catalog.actions import provider_tokens
from catalog.api.dependencies import get_runtime
from catalog.api.token_models import Jwks, ProviderToken, SigningKey, TokenRequest
from catalog.clock import utcnow
from catalog.runtime import CatalogRuntime

router = APIRouter(tags=["provider tokens"])


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
    try:
        issued = await provider_tokens.exchange(rt, body.api_key)
    except provider_tokens.KeyRejected:
        raise _rejected() from None
    except provider_tokens.NoSigningKey:
        raise ProblemError(503, detail="no signing key is active yet") from None
    return ProviderToken(
        access_token=issued.token, expires_in=issued.ttl_s, provider_id=issued.provider_id
    )


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
    kid, started = await provider_tokens.rotate_signing_key(rt)
    return SigningKey(kid=kid, created_at=started)
