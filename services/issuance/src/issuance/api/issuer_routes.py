"""Issuer administration: key rotation."""

from __future__ import annotations

from uuid import UUID

from credmarket_platform.auth import Principal, require
from credmarket_platform.db import UnitOfWork
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.idempotency import idempotency_key
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends

from issuance.actions.dependencies import IssuanceDeps
from issuance.actions.issuers import rotate_key
from issuance.api.dependencies import get_deps, subject_uuid, unit_of_work
from issuance.api.issuer_models import RotatedKeyOut

router = APIRouter(prefix="/v1/issuers", tags=["issuers"])


@router.post(
    "/{issuer_id}/keys/rotate",
    status_code=201,
    summary="Rotate the issuer's signing key (ops, or the provider itself)",
    response_model=RotatedKeyOut,
    responses=problem_responses(pt.FORBIDDEN, pt.NOT_FOUND),
)
async def rotate(
    issuer_id: UUID,
    principal: Principal = require("provider", "ops"),
    _key: str | None = idempotency_key(required=False),
    uow: UnitOfWork = Depends(unit_of_work),
    deps: IssuanceDeps = Depends(get_deps),
) -> RotatedKeyOut:
    if principal.role == "provider" and subject_uuid(principal.subject) != issuer_id:
        raise ProblemError(403, "Forbidden", "A provider can rotate only its own issuer's key.")
    rotated = await rotate_key(uow.session, issuer_id, deps)
    if rotated is None:
        raise ProblemError(404, "Not found", "No issuer with this id.")
    await uow.commit()
    return RotatedKeyOut(
        issuer_id=rotated.issuer_id,
        key_id=rotated.key_id,
        verification_method=rotated.verification_method,
        public_key_multibase=rotated.public_key_multibase,
        retired_key_id=rotated.retired_key_id,
    )
