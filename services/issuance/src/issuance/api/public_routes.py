"""Public, unauthenticated documents: credentials, issuers, DID documents, status lists."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from credmarket_platform.db import UnitOfWork
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, JSONResponse

from issuance.actions.issuers import did_document, issuer_profile
from issuance.api.dependencies import get_runtime, get_unit_of_work
from issuance.api.share_page import SharePage, render_share_page
from issuance.db import repository
from issuance.domain.credential_state import state_at
from issuance.domain.issuer_profile import profile_document
from issuance.domain.linkedin import add_to_profile_url
from issuance.domain.public_urls import (
    badge_png_url,
    badge_svg_url,
    credential_url,
    issuer_profile_url,
    share_url,
)
from issuance.runtime import IssuanceRuntime

router = APIRouter(tags=["public"])

VC_MEDIA_TYPE = "application/vc+ld+json"
LD_MEDIA_TYPE = "application/ld+json"
DID_MEDIA_TYPE = "application/did+ld+json"


class LinkedDataResponse(JSONResponse):
    media_type = LD_MEDIA_TYPE


def _json(document: Any, media_type: str, *, max_age: int = 60) -> JSONResponse:
    # Compact, stable JSON: what was signed is what is served.
    return JSONResponse(
        json.loads(json.dumps(document)),
        media_type=media_type,
        # No CORS header here: the gateway answers CORS for every path (ADR 0024); a
        # second Access-Control-Allow-Origin made browsers refuse the answer.
        headers={"Cache-Control": f"public, max-age={max_age}"},
    )


def _not_found(what: str) -> ProblemError:
    return ProblemError(404, "Not found", f"No {what} with this id.")


@router.get(
    "/credentials/{credential_id}",
    summary="The signed OpenBadgeCredential (JSON-LD)",
    response_class=LinkedDataResponse,
    responses={
        200: {"content": {VC_MEDIA_TYPE: {"schema": {"type": "object"}}}},
        **problem_responses(pt.NOT_FOUND),
    },
)
async def get_credential_document(
    credential_id: UUID, uow: UnitOfWork = Depends(get_unit_of_work)
) -> JSONResponse:
    credential = await repository.get_credential(uow.session, credential_id)
    if credential is None:
        raise _not_found("credential")
    return _json(credential.document, VC_MEDIA_TYPE)


@router.get(
    "/credentials/{credential_id}/share",
    summary="A shareable page for people: who earned what, from whom, and whether it holds",
    response_class=HTMLResponse,
    responses=problem_responses(pt.NOT_FOUND),
)
async def share_credential(
    credential_id: UUID,
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> HTMLResponse:
    credential = await repository.get_credential(uow.session, credential_id)
    if credential is None:
        raise _not_found("credential")
    issuer = await repository.get_issuer(uow.session, credential.issuer_id)
    assert issuer is not None, "credentials reference their issuer (foreign key)"
    achievement = credential.document.get("credentialSubject", {}).get("achievement", {})
    description = achievement.get("description") if isinstance(achievement, dict) else None
    page = SharePage(
        holder_name=credential.learner_name,
        achievement_name=credential.achievement_name,
        achievement_description=description if isinstance(description, str) else None,
        issuer_name=issuer.name,
        issued_at=credential.issued_at,
        valid_until=credential.valid_until,
        state=state_at(
            rt.clock(), revoked_at=credential.revoked_at, valid_until=credential.valid_until
        ),
        credential_url=credential_url(rt.public_base_url, credential.id),
        issuer_url=issuer_profile_url(rt.public_base_url, issuer.id),
        share_url=share_url(rt.public_base_url, credential.id),
        badge_png_url=badge_png_url(rt.public_base_url, credential.id),
        badge_svg_url=badge_svg_url(rt.public_base_url, credential.id),
        linkedin_url=add_to_profile_url(
            certification_name=credential.achievement_name,
            organization_name=issuer.name,
            issued_at=credential.issued_at,
            valid_until=credential.valid_until,
            certificate_url=share_url(rt.public_base_url, credential.id),
            certificate_id=str(credential.id),
        ),
    )
    return HTMLResponse(render_share_page(page), headers={"Cache-Control": "no-cache"})


@router.get(
    "/issuers/{issuer_id}",
    summary="The issuer's Open Badges Profile",
    response_class=LinkedDataResponse,
    responses=problem_responses(pt.NOT_FOUND),
)
async def get_issuer_profile(
    issuer_id: UUID,
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> JSONResponse:
    issuer = await repository.get_issuer(uow.session, issuer_id)
    if issuer is None:
        raise _not_found("issuer")
    return _json(profile_document(issuer_profile(issuer, rt)), LD_MEDIA_TYPE)


@router.get(
    "/issuers/{issuer_id}/did.json",
    summary="The issuer's did:web DID document with every verification key",
    response_class=LinkedDataResponse,
    responses=problem_responses(pt.NOT_FOUND),
)
async def get_did_document(
    issuer_id: UUID,
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> JSONResponse:
    document = await did_document(uow.session, issuer_id, rt)
    if document is None:
        raise _not_found("issuer")
    return _json(document, DID_MEDIA_TYPE)


@router.get(
    "/status-lists/{list_id}",
    summary="A signed BitstringStatusListCredential (revocation)",
    response_class=LinkedDataResponse,
    responses={
        200: {"content": {VC_MEDIA_TYPE: {"schema": {"type": "object"}}}},
        **problem_responses(pt.NOT_FOUND),
    },
)
async def get_status_list(
    list_id: UUID, uow: UnitOfWork = Depends(get_unit_of_work)
) -> JSONResponse:
    row = await repository.get_status_list(uow.session, list_id)
    if row is None:
        raise _not_found("status list")
    # Short cache: a revocation must show up quickly.
    return _json(row.signed_credential, VC_MEDIA_TYPE, max_age=30)
