"""Baked badges: download the badge image carrying the credential; verify an uploaded one."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from credmarket_platform.db import UnitOfWork
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response

from issuance.api.bounded_body import read_at_most
from issuance.api.dependencies import get_runtime, get_unit_of_work
from issuance.api.verify_models import VerificationReport
from issuance.api.verify_routes import verification_report
from issuance.credentials.badge_image import badge_png, badge_svg
from issuance.credentials.baking import BakingError, bake_png, bake_svg, extract_png, extract_svg
from issuance.db import repository
from issuance.db.tables import Credential
from issuance.runtime import IssuanceRuntime

router = APIRouter(tags=["baked badges"])

MAX_BAKED_BYTES = 1024 * 1024
PNG_TYPE = "image/png"
SVG_TYPE = "image/svg+xml"


async def _credential_and_issuer(uow: UnitOfWork, credential_id: UUID) -> tuple[Credential, str]:
    credential = await repository.get_credential(uow.session, credential_id)
    if credential is None:
        raise ProblemError(404, "Not found", "No credential with this id.")
    issuer = await repository.get_issuer(uow.session, credential.issuer_id)
    assert issuer is not None, "credentials reference their issuer (foreign key)"
    return credential, issuer.name


def _download(content: bytes | str, media_type: str, name: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            # The status inside never changes (it points at the list); the signed document
            # does not either, so the baked file may be cached like the credential.
            "Cache-Control": "public, max-age=60",
        },
    )


@router.get(
    "/credentials/{credential_id}/badge.png",
    summary="The badge image (PNG) with the signed credential baked in (OB 3.0 §5.3)",
    response_class=Response,
    responses={200: {"content": {PNG_TYPE: {}}}, **problem_responses(404, 422)},
)
async def baked_png(credential_id: UUID, uow: UnitOfWork = Depends(get_unit_of_work)) -> Response:
    credential, issuer_name = await _credential_and_issuer(uow, credential_id)
    image = badge_png(credential.achievement_name, issuer_name)
    return _download(
        bake_png(image, credential.document), PNG_TYPE, f"credential-{credential.id}.png"
    )


@router.get(
    "/credentials/{credential_id}/badge.svg",
    summary="The badge image (SVG) with the signed credential baked in (OB 3.0 §5.3)",
    response_class=Response,
    responses={200: {"content": {SVG_TYPE: {}}}, **problem_responses(404, 422)},
)
async def baked_svg(credential_id: UUID, uow: UnitOfWork = Depends(get_unit_of_work)) -> Response:
    credential, issuer_name = await _credential_and_issuer(uow, credential_id)
    image = badge_svg(credential.achievement_name, issuer_name)
    return _download(
        bake_svg(image, credential.document), SVG_TYPE, f"credential-{credential.id}.svg"
    )


async def _read_bounded(request: Request) -> bytes:
    body = await read_at_most(request, MAX_BAKED_BYTES)
    if body is None:
        raise ProblemError(413, "Baked badge too large", f"Send at most {MAX_BAKED_BYTES} bytes.")
    return body


@router.post(
    "/v1/verify/baked",
    summary="Verify the credential baked into a PNG or SVG badge (same report as /v1/verify)",
    response_model=VerificationReport,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                PNG_TYPE: {"schema": {"type": "string", "format": "binary"}},
                SVG_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
    responses=problem_responses(413, 415, 422),
)
async def verify_baked(
    request: Request,
    content_type: Annotated[str, Header(description="image/png or image/svg+xml")],
    rt: IssuanceRuntime = Depends(get_runtime),
) -> VerificationReport:
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in (PNG_TYPE, SVG_TYPE):
        raise ProblemError(415, "Unsupported badge type", "Send image/png or image/svg+xml.")
    body = await _read_bounded(request)
    try:
        credential = extract_png(body) if media_type == PNG_TYPE else extract_svg(body)
    except BakingError as exc:
        raise ProblemError(422, "No readable baked credential", str(exc)) from None
    return await verification_report(credential, rt)
