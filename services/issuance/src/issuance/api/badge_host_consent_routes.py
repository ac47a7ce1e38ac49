"""The learner's side of the OB 3.0 API: approve or deny a badge host, see and revoke grants."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from credmarket_platform.auth import Principal, require, subject_uuid
from credmarket_platform.db import UnitOfWork
from credmarket_platform.http import pagination
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.pagination import cursor_query, limit_query
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends, Response, status

from issuance.actions import badge_host_auth as auth
from issuance.api.badge_host_consent_models import (
    AuthorizationRequestOut,
    DecisionIn,
    DecisionOut,
    GrantList,
    GrantOut,
    ScopeOut,
)
from issuance.api.dependencies import get_runtime, get_unit_of_work
from issuance.db import badge_host_repository
from issuance.domain.badge_host_rules import SCOPE_TEXT
from issuance.runtime import IssuanceRuntime

router = APIRouter(prefix="/v1/badge-hosts", tags=["badge hosts (learner consent)"])


def _gone() -> ProblemError:
    return ProblemError(
        404, "Not found", "No pending authorization request with this id (it may have expired)."
    )


@router.get(
    "/authorization-requests/{request_id}",
    summary="What a badge host asks for, to show the learner before they decide",
    response_model=AuthorizationRequestOut,
    responses=problem_responses(401, 403, 404, 422, pt.SUBJECT_NOT_UUID),
)
async def get_authorization_request(
    request_id: UUID,
    principal: Principal = require("learner"),
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> AuthorizationRequestOut:
    subject_uuid(principal)
    pending = await auth.pending_authorization(uow.session, request_id, rt)
    if pending is None:
        raise _gone()
    return AuthorizationRequestOut(
        id=pending.row.id,
        client_name=pending.client.client_name,
        client_uri=pending.client.client_uri,
        redirect_uri=pending.row.redirect_uri,
        scopes=[ScopeOut(scope=s, description=SCOPE_TEXT[s]) for s in pending.row.scope.split()],
        expires_at=pending.row.expires_at,
    )


@router.post(
    "/authorization-requests/{request_id}/decision",
    summary="Approve or deny a badge host's access; answers where the browser goes back to",
    response_model=DecisionOut,
    responses=problem_responses(401, 403, 404, 422, pt.SUBJECT_NOT_UUID),
)
async def decide(
    request_id: UUID,
    body: DecisionIn,
    principal: Principal = require("learner"),
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> DecisionOut:
    redirect = await auth.decide(uow.session, request_id, subject_uuid(principal), body.approve, rt)
    if redirect is None:
        raise _gone()
    await uow.commit()
    return DecisionOut(redirect_to=redirect)


@router.get(
    "/grants",
    summary="The badge hosts the learner let in, and when",
    response_model=GrantList,
    responses=problem_responses(401, 403, pt.SUBJECT_NOT_UUID),
)
async def list_grants(
    principal: Principal = require("learner"),
    limit: int = limit_query(50, 200),
    cursor: str | None = cursor_query(),
    uow: UnitOfWork = Depends(get_unit_of_work),
) -> GrantList:
    learner = subject_uuid(principal)
    # A learner lets in a handful of hosts: paged here, over their few rows, newest first.
    pairs = sorted(
        await badge_host_repository.grants_with_clients(uow.session, learner),
        key=lambda pair: (pair[0].created_at, str(pair[0].id)),
        reverse=True,
    )
    scope = pagination.scope_of("badge-host-grants", learner)
    if cursor is not None:
        created_at, last_id = pagination.decode_cursor(cursor, scope, size=2)
        try:
            after = (datetime.fromisoformat(created_at), last_id)
        except ValueError:
            raise pagination.invalid_cursor() from None
        pairs = [p for p in pairs if (p[0].created_at, str(p[0].id)) < after]
    page = pairs[:limit]
    next_cursor = (
        pagination.encode_cursor([page[-1][0].created_at.isoformat(), str(page[-1][0].id)], scope)
        if len(pairs) > limit
        else None
    )
    pairs = page
    return GrantList(
        next_cursor=next_cursor,
        items=[
            GrantOut(
                id=grant.id,
                client_id=client.client_id,
                client_name=client.client_name,
                client_uri=client.client_uri,
                scopes=grant.scope.split(),
                created_at=grant.created_at,
                revoked_at=grant.revoked_at,
            )
            for grant, client in pairs
        ],
    )


@router.delete(
    "/grants/{grant_id}",
    summary="Withdraw a badge host's access: its tokens stop working at once",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 422, pt.SUBJECT_NOT_UUID),
)
async def revoke_grant(
    grant_id: UUID,
    principal: Principal = require("learner"),
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> Response:
    if not await auth.revoke_grant(uow.session, subject_uuid(principal), grant_id, rt):
        raise ProblemError(404, "Not found", "No grant of yours with this id.")
    await uow.commit()
    return Response(status_code=204)
