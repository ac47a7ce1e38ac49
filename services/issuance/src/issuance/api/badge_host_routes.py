"""The 1EdTech Open Badges 3.0 API (v3p0) as a resource server, with its OAuth 2.0 endpoints.

Errors follow the specifications badge hosts implement: RFC 6749 error objects on the
OAuth endpoints, ``Imsx_StatusInfo`` on the resource endpoints.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from credmarket_platform.db import UnitOfWork
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from issuance.actions import badge_host_auth as auth
from issuance.actions.badge_host_resources import (
    UpsertRefusedError,
    get_credentials,
    learner_profile,
    upsert_credential,
)
from issuance.api.bounded_body import read_at_most
from issuance.api.dependencies import get_runtime, get_unit_of_work
from issuance.db import badge_host_repository as repo
from issuance.db.tables import BadgeHostClient, BadgeHostGrant
from issuance.domain.badge_host_discovery import API_PATH, service_description
from issuance.domain.badge_host_rules import (
    CREDENTIAL_READONLY,
    CREDENTIAL_UPSERT,
    MAX_PAGE,
    PROFILE_READONLY,
)
from issuance.domain.oauth import OAuthError, parse_form
from issuance.runtime import IssuanceRuntime

router = APIRouter(prefix=API_PATH, tags=["Open Badges 3.0 API"])

MAX_BODY_BYTES = 256 * 1024
_NO_STORE = {"Cache-Control": "no-store"}


def _oauth_error(exc: OAuthError) -> JSONResponse:
    headers = dict(_NO_STORE)
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="credmarket badge hosts"'
    return JSONResponse(
        {"error": exc.error, "error_description": exc.description},
        status_code=exc.status,
        headers=headers,
    )


def _status_info(status: int, minor: str, description: str) -> JSONResponse:
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    elif status == 403:
        headers["WWW-Authenticate"] = 'Bearer error="insufficient_scope"'
    return JSONResponse(
        {
            "imsx_codeMajor": "failure",
            "imsx_severity": "error",
            "imsx_description": description,
            "imsx_codeMinor": {
                "imsx_codeMinorField": [
                    {
                        "imsx_codeMinorFieldName": "TargetEndSystem",
                        "imsx_codeMinorFieldValue": minor,
                    }
                ]
            },
        },
        status_code=status,
        headers=headers,
    )


class _Refused(Exception):
    def __init__(self, response: JSONResponse) -> None:
        self.response = response


async def _body(request: Request) -> bytes:
    body = await read_at_most(request, MAX_BODY_BYTES)
    if body is None:
        raise _Refused(_status_info(413, "invalid_data", "the body is too large"))
    return body


async def _client_form(request: Request, uow: UnitOfWork) -> tuple[BadgeHostClient, dict[str, str]]:
    """The OAuth endpoints' request: the client authenticated (HTTP Basic), its form read."""
    client = await auth.authenticate_client(uow.session, request.headers.get("authorization", ""))
    return client, parse_form(await _body(request))


async def _grant(
    request: Request, uow: UnitOfWork, scope: str, rt: IssuanceRuntime
) -> BadgeHostGrant:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    grant = (
        await auth.grant_for_access_token(uow.session, token, rt)
        if scheme.lower() == "bearer" and token
        else None
    )
    if grant is None:
        raise _Refused(_status_info(401, "unauthorisedrequest", "a valid access token is needed"))
    if scope not in grant.scope.split():
        raise _Refused(_status_info(403, "forbidden", f"the token lacks the scope {scope}"))
    return grant


@router.get("/discovery", summary="Service Description Document (OB 3.0 §6.3.1)")
async def discovery(rt: IssuanceRuntime = Depends(get_runtime)) -> JSONResponse:
    return JSONResponse(
        service_description(rt.public_base_url), headers={"Cache-Control": "public, max-age=300"}
    )


@router.post("/auth/register", summary="Dynamic client registration (RFC 7591)", status_code=201)
async def register(
    request: Request,
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> Response:
    try:
        body = json.loads(await _body(request))
        registration = await auth.register_client(uow.session, body, rt)
    except _Refused as refused:
        return refused.response
    except (ValueError, RecursionError):  # RecursionError: absurdly nested JSON
        return _oauth_error(OAuthError("invalid_client_metadata", "the body is not JSON"))
    except OAuthError as exc:
        return _oauth_error(exc)
    await uow.commit()
    client = registration.client
    return JSONResponse(
        {
            "client_id": client.client_id,
            "client_secret": registration.client_secret,
            "client_id_issued_at": int(client.created_at.timestamp()),
            "client_secret_expires_at": 0,
            "client_name": client.client_name,
            "client_uri": client.client_uri,
            "redirect_uris": client.redirect_uris,
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
            "scope": client.scope,
        },
        status_code=201,
        headers=_NO_STORE,
    )


@router.get("/auth/authorize", summary="Authorization endpoint: on to the learner's consent page")
async def authorize(
    request: Request,
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> Response:
    params = dict(request.query_params)
    if any(len(v) > 4096 for v in params.values()):
        return _oauth_error(OAuthError("invalid_request", "a parameter is too long"))
    try:
        start = await auth.start_authorization(uow.session, params, rt)
    except OAuthError as exc:
        # The redirect URI is not trusted yet: the error is shown here, not sent there.
        return _oauth_error(exc)
    await uow.commit()
    return RedirectResponse(start.redirect_to, status_code=302)


@router.post("/auth/token", summary="Token endpoint: authorization code (PKCE) or refresh token")
async def token(
    request: Request,
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> Response:
    try:
        client, form = await _client_form(request, uow)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            tokens = await auth.exchange_code(uow.session, client, form, rt)
        elif grant_type == "refresh_token":
            tokens = await auth.refresh_tokens(uow.session, client, form, rt)
        else:
            raise OAuthError("unsupported_grant_type", "authorization_code or refresh_token")
    except _Refused as refused:
        return refused.response
    except OAuthError as exc:
        return _oauth_error(exc)
    await uow.commit()
    return JSONResponse(
        {
            "access_token": tokens.access_token,
            "token_type": "Bearer",
            "expires_in": tokens.expires_in,
            "refresh_token": tokens.refresh_token,
            "scope": tokens.scope,
        },
        headers=_NO_STORE,
    )


@router.get(
    "/credentials",
    summary="getCredentials: the learner's credentials (paged; since)",
)
async def credentials(
    request: Request,
    limit: int = Query(default=MAX_PAGE, ge=1, le=MAX_PAGE),
    offset: int = Query(default=0, ge=0, le=100_000),
    since: datetime | None = Query(default=None),
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> Response:
    if since is not None and since.tzinfo is None:
        return _status_info(400, "invalid_data", "since must be an ISO 8601 time with a zone")
    try:
        grant = await _grant(request, uow, CREDENTIAL_READONLY, rt)
    except _Refused as refused:
        return refused.response
    page = await get_credentials(uow.session, grant, limit=limit, offset=offset, since=since, rt=rt)
    for event in page.delivered:
        uow.emit_new(event, source="/issuance")
    await uow.commit()
    headers = {"X-Total-Count": str(page.total), "Cache-Control": "no-store"}
    links = []
    if offset + limit < page.total:
        links.append(f'<{request.url.include_query_params(offset=offset + limit)}>; rel="next"')
    if offset > 0:
        links.append(
            f'<{request.url.include_query_params(offset=max(0, offset - limit))}>; rel="prev"'
        )
    if links:
        headers["Link"] = ", ".join(links)
    return JSONResponse({"credential": page.credentials}, headers=headers)


@router.post(
    "/credentials", summary="upsertCredential: add or replace one in the learner's account"
)
async def upsert(
    request: Request,
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> Response:
    try:
        grant = await _grant(request, uow, CREDENTIAL_UPSERT, rt)
        raw = await _body(request)
    except _Refused as refused:
        return refused.response
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return _status_info(415, "invalid_data", "send the credential as application/json")
    try:
        document: Any = json.loads(raw)
        created = await upsert_credential(uow.session, grant, document, rt)
    except (ValueError, RecursionError) as exc:
        message = str(exc) if isinstance(exc, UpsertRefusedError) else "the body is not JSON"
        return _status_info(400, "invalid_data", message)
    await uow.commit()
    return JSONResponse(document, status_code=201 if created else 200)


@router.get("/profile", summary="getProfile: the learner's profile")
async def profile(
    request: Request,
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> Response:
    try:
        grant = await _grant(request, uow, PROFILE_READONLY, rt)
    except _Refused as refused:
        return refused.response
    latest, _ = await repo.learner_credentials(uow.session, grant.learner_id, None, 0, 1)
    name = latest[0].learner_name if latest else None
    return JSONResponse(learner_profile(grant, name), headers={"Cache-Control": "no-store"})


@router.post("/auth/revoke", summary="Token revocation (RFC 7009)")
async def revoke_token(
    request: Request,
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> Response:
    try:
        client, form = await _client_form(request, uow)
    except _Refused as refused:
        return refused.response
    except OAuthError as exc:
        return _oauth_error(exc)
    await auth.revoke_token(uow.session, client, form.get("token", ""), rt)
    await uow.commit()
    # RFC 7009: the same answer whether or not the token was known.
    return Response(status_code=200, headers=_NO_STORE)
