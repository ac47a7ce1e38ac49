"""Credentials for their owners and ops: list, read metadata, revoke."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from credmarket_platform.auth import Principal, require, subject_uuid
from credmarket_platform.db import UnitOfWork
from credmarket_platform.http import pagination
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.idempotency import idempotency_key
from credmarket_platform.http.pagination import cursor_query, limit_query
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends, Query

from issuance.actions.revoking import revoke_credential
from issuance.api.credential_models import CredentialPage, CredentialSummary, RevokeRequest
from issuance.api.dependencies import get_runtime, get_unit_of_work
from issuance.db import repository
from issuance.db.tables import Credential
from issuance.domain.credential_state import state_at
from issuance.domain.public_urls import credential_url, share_url
from issuance.domain.revocation import RevocationOutcome, normalise_reason
from issuance.runtime import IssuanceRuntime

router = APIRouter(prefix="/v1/credentials", tags=["credentials"])


def summary(credential: Credential, rt: IssuanceRuntime) -> CredentialSummary:
    return CredentialSummary(
        id=credential.id,
        enrollment_id=credential.enrollment_id,
        learner_id=credential.learner_id,
        issuer_id=credential.issuer_id,
        offering_id=credential.offering_id,
        achievement_name=credential.achievement_name,
        issued_at=credential.issued_at,
        valid_until=credential.valid_until,
        revoked_at=credential.revoked_at,
        revocation_reason=credential.revocation_reason,
        state=state_at(
            rt.clock(), revoked_at=credential.revoked_at, valid_until=credential.valid_until
        ),
        credential_url=credential_url(rt.public_base_url, credential.id),
        share_url=share_url(rt.public_base_url, credential.id),
    )


def may_read(principal: Principal, credential: Credential) -> bool:
    if principal.role == "ops":
        return True
    if principal.role == "learner":
        return principal.is_subject(credential.learner_id)
    return principal.is_subject(credential.issuer_id)


@router.get(
    "",
    summary="Credentials: a learner's own, a provider's issued ones, or any (ops)",
    response_model=CredentialPage,
    responses=problem_responses(pt.FORBIDDEN, pt.SUBJECT_NOT_UUID),
)
async def list_credentials(
    learner_id: UUID | None = Query(default=None, description="Ops only: one learner's."),
    limit: int = limit_query(50, 200),
    cursor: str | None = cursor_query(),
    offset: int = Query(
        default=0,
        ge=0,
        le=1_000_000,
        deprecated=True,
        description="Deprecated: use `cursor`. Kept for one version.",
    ),
    principal: Principal = require("learner", "provider", "ops"),
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> CredentialPage:
    issuer_filter: UUID | None = None
    if principal.role == "learner":
        if learner_id is not None and not principal.is_subject(learner_id):
            raise ProblemError(403, "Forbidden", "A learner can list only their own credentials.")
        learner_id = subject_uuid(principal)
    elif principal.role == "provider":
        issuer_filter = subject_uuid(principal)
    scope = pagination.scope_of(principal.role, principal.subject_id, learner_id, issuer_filter)
    after = None
    if cursor is not None:
        issued_at, last_id = pagination.decode_cursor(cursor, scope, size=2)
        try:
            after = (datetime.fromisoformat(issued_at), UUID(last_id))
        except ValueError:
            raise pagination.invalid_cursor() from None
    rows = await repository.list_credentials(
        uow.session,
        learner_id=learner_id,
        issuer_id=issuer_filter,
        limit=limit + 1,
        offset=0 if after else offset,
        after=after,
    )
    page, more = rows[:limit], len(rows) > limit
    next_cursor = (
        pagination.encode_cursor([page[-1].issued_at.isoformat(), str(page[-1].id)], scope)
        if more
        else None
    )
    return CredentialPage(
        items=[summary(r, rt) for r in page], next_cursor=next_cursor, limit=limit, offset=offset
    )


@router.get(
    "/{credential_id}",
    summary="One credential's metadata (its owner, its issuer, or ops)",
    response_model=CredentialSummary,
    responses=problem_responses(pt.NOT_FOUND),
)
async def get_credential(
    credential_id: UUID,
    principal: Principal = require("learner", "provider", "ops"),
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> CredentialSummary:
    credential = await repository.get_credential(uow.session, credential_id)
    # Someone else's credential answers like a missing one: ids are not confirmed to strangers.
    if credential is None or not may_read(principal, credential):
        raise ProblemError(404, "Not found", "No credential with this id.")
    return summary(credential, rt)


@router.post(
    "/{credential_id}/revoke",
    summary="Revoke a credential (ops): its status bit is set and the list re-signed",
    response_model=CredentialSummary,
    responses=problem_responses(pt.NOT_FOUND, pt.CREDENTIAL_ALREADY_REVOKED),
)
async def revoke(
    credential_id: UUID,
    body: RevokeRequest,
    principal: Principal = require("ops"),
    _key: str | None = idempotency_key(required=False),
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> CredentialSummary:
    try:
        reason = normalise_reason(body.reason)
    except ValueError as exc:
        raise ProblemError(422, "Invalid reason", str(exc)) from None
    result = await revoke_credential(uow.session, credential_id, reason, rt)
    if result.outcome is RevocationOutcome.NO_CREDENTIAL or result.credential is None:
        raise ProblemError(404, "Not found", "No credential with this id.")
    credential = result.credential
    if result.outcome is RevocationOutcome.ALREADY_REVOKED:
        raise ProblemError(
            409,
            "Already revoked",
            f"This credential was revoked at {credential.revoked_at}.",
            type_="urn:credmarket:problem:credential-already-revoked",
        )
    event = result.revoked_event()
    assert event is not None
    uow.emit_new(event, source="/issuance")
    await uow.commit()
    return summary(credential, rt)
