"""OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow (the wallet's side).

Errors here are OAuth 2.0 / OpenID4VCI error objects (``error``, ``error_description``), not
problem+json: wallets implement those specifications and read nothing else.
"""

from __future__ import annotations

import json
from typing import Any

from credmarket_platform.db import UnitOfWork
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from issuance.actions.wallet_delivery import deliver_to_wallet
from issuance.actions.wallet_offers import TokenGrant, new_nonce, redeem_offer
from issuance.api.bounded_body import read_at_most
from issuance.api.dependencies import get_runtime, get_unit_of_work
from issuance.domain.oauth import OAuthError, parse_form
from issuance.domain.oid4vci_metadata import (
    CONFIGURATION_ID,
    PRE_AUTHORIZED_GRANT,
    authorization_server_metadata,
    credential_issuer_metadata,
)
from issuance.domain.wallet_offers import RedeemOutcome
from issuance.runtime import IssuanceRuntime

router = APIRouter(tags=["wallets (OpenID4VCI)"])

MAX_REQUEST_BYTES = 16 * 1024
_NO_STORE = {"Cache-Control": "no-store"}
_REDEEM_ERRORS = {
    RedeemOutcome.UNKNOWN: "unknown pre-authorized code",
    RedeemOutcome.USED: "the pre-authorized code was already used",
    RedeemOutcome.EXPIRED: "the credential offer expired",
    RedeemOutcome.TX_CODE_REQUIRED: "this offer needs its transaction code (tx_code)",
    RedeemOutcome.WRONG_TX_CODE: "wrong transaction code",
    RedeemOutcome.LOCKED: "too many wrong transaction codes: ask for a new offer",
}


def _error(error: str, description: str, status: int = 400) -> JSONResponse:
    headers = dict(_NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = f'Bearer error="{error}"'
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


@router.get(
    "/.well-known/openid-credential-issuer",
    summary="Credential issuer metadata (OpenID4VCI 1.0 §12.2)",
)
async def issuer_metadata(rt: IssuanceRuntime = Depends(get_runtime)) -> JSONResponse:
    return JSONResponse(
        credential_issuer_metadata(rt.public_base_url),
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get(
    "/.well-known/oauth-authorization-server",
    summary="Authorization server metadata (RFC 8414) for the pre-authorized code grant",
)
async def as_metadata(rt: IssuanceRuntime = Depends(get_runtime)) -> JSONResponse:
    return JSONResponse(
        authorization_server_metadata(rt.public_base_url),
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.post(
    "/oid4vci/token",
    summary="Token endpoint: a pre-authorized code (and transaction code) for an access token",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}},
        }
    },
)
async def token(
    request: Request,
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> JSONResponse:
    body = await read_at_most(request, MAX_REQUEST_BYTES)
    if body is None:
        return _error("invalid_request", f"send at most {MAX_REQUEST_BYTES} bytes")
    try:
        fields = parse_form(body)
    except OAuthError as exc:
        return _error(exc.error, exc.description, exc.status)
    if fields.get("grant_type") != PRE_AUTHORIZED_GRANT:
        return _error("unsupported_grant_type", f"only {PRE_AUTHORIZED_GRANT}")
    code = fields.get("pre-authorized_code")
    if not code:
        return _error("invalid_request", "pre-authorized_code is missing")
    outcome = await redeem_offer(uow.session, code, fields.get("tx_code"), rt)
    # Counted wrong attempts must be kept, whatever the answer.
    await uow.commit()
    if not isinstance(outcome, TokenGrant):
        return _error("invalid_grant", _REDEEM_ERRORS[outcome])
    return JSONResponse(
        {
            "access_token": outcome.access_token,
            "token_type": "Bearer",
            "expires_in": outcome.expires_in,
        },
        headers=_NO_STORE,
    )


@router.post("/oid4vci/nonce", summary="A fresh c_nonce for the wallet's proof (§7)")
async def nonce(rt: IssuanceRuntime = Depends(get_runtime)) -> JSONResponse:
    return JSONResponse({"c_nonce": new_nonce(rt)}, headers=_NO_STORE)


def _proof_of(request_body: Any) -> str | OAuthError:
    if not isinstance(request_body, dict):
        return OAuthError("invalid_credential_request", "send a JSON object")
    if request_body.get("credential_configuration_id") != CONFIGURATION_ID:
        return OAuthError(
            "unknown_credential_configuration", f"this issuer offers {CONFIGURATION_ID} only"
        )
    proofs, proof = request_body.get("proofs"), request_body.get("proof")
    if isinstance(proofs, dict) and proof is None:
        jwts = proofs.get("jwt")
        if set(proofs) != {"jwt"} or not isinstance(jwts, list) or len(jwts) != 1:
            return OAuthError("invalid_proof", "send exactly one jwt proof")
        candidate = jwts[0]
    elif isinstance(proof, dict) and proofs is None and proof.get("proof_type") == "jwt":
        candidate = proof.get("jwt")  # the single-proof form of the drafts before 1.0
    else:
        return OAuthError("invalid_proof", "a jwt proof of possession is required")
    if not isinstance(candidate, str):
        return OAuthError("invalid_proof", "the jwt proof must be a string")
    return candidate


@router.post(
    "/oid4vci/credential",
    summary="Credential endpoint: the OB 3.0 credential bound to the wallet's key (§8)",
)
async def credential(
    request: Request,
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> JSONResponse:
    scheme, _, access_token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() not in ("bearer", "dpop") or not access_token:
        return _error("invalid_token", "an access token from the token endpoint is required", 401)
    body = await read_at_most(request, MAX_REQUEST_BYTES)
    if body is None:
        return _error("invalid_credential_request", f"send at most {MAX_REQUEST_BYTES} bytes")
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return _error("invalid_credential_request", "the body is not JSON")
    proof = _proof_of(parsed)
    if isinstance(proof, OAuthError):
        return _error(proof.error, proof.description, proof.status)
    try:
        delivery = await deliver_to_wallet(uow.session, access_token, proof, rt)
    except OAuthError as exc:
        await uow.rollback()
        return _error(exc.error, exc.description, exc.status)
    uow.emit_new(delivery.event, source="/issuance")
    await uow.commit()
    return JSONResponse(
        {"credentials": [{"credential": delivery.copy.document}]}, headers=_NO_STORE
    )
