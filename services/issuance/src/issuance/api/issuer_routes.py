"""Issuer administration: key rotation (routine) and key revocation (a key leaked)."""

from __future__ import annotations

from uuid import UUID

from credmarket_platform.auth import Principal, require
from credmarket_platform.db import UnitOfWork
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.idempotency import idempotency_key
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Body, Depends, Path

from issuance.actions.issuers import UnknownKeyError, revoke_key, rotate_key
from issuance.api.dependencies import get_runtime, get_unit_of_work
from issuance.api.issuer_models import KeyRevocationIn, RevokedKeyOut, RotatedKeyOut
from issuance.domain.key_validity import RotationRefused
from issuance.runtime import IssuanceRuntime

router = APIRouter(prefix="/v1/issuers", tags=["issuers"])


@router.post(
    "/{issuer_id}/keys/rotate",
    status_code=201,
    summary="Rotate the issuer's signing key (ops, or the provider itself)",
    response_model=RotatedKeyOut,
    responses=problem_responses(
        pt.FORBIDDEN, pt.NOT_FOUND, pt.TOO_MANY_KEYS, pt.KEY_ROTATION_RATE_LIMITED
    ),
)
async def rotate(
    issuer_id: UUID,
    principal: Principal = require("provider", "ops"),
    _key: str | None = idempotency_key(required=False),
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> RotatedKeyOut:
    if principal.role == "provider" and not principal.is_subject(issuer_id):
        raise ProblemError(403, "Forbidden", "A provider can rotate only its own issuer's key.")
    try:
        rotated = await rotate_key(uow.session, issuer_id, rt)
    except RotationRefused as refused:
        raise _refusal(refused) from None
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


def _refusal(refused: RotationRefused) -> ProblemError:
    if refused.retry_after_s is not None:
        return ProblemError(
            429,
            "Too many key rotations",
            refused.detail,
            type_="urn:credmarket:problem:key-rotation-rate-limited",
            headers={"Retry-After": str(refused.retry_after_s)},
        )
    return ProblemError(
        409,
        "Too many keys",
        refused.detail,
        type_=f"urn:credmarket:problem:{refused.reason.replace('_', '-')}",
    )


@router.post(
    "/{issuer_id}/keys/{key_id}/revoke",
    summary="Revoke a compromised key (ops): out of the DID document, nothing signed from "
    "now on verifies; a signing key is replaced first",
    response_model=RevokedKeyOut,
    responses=problem_responses(pt.NOT_FOUND, pt.TOO_MANY_KEYS, pt.KEY_ROTATION_RATE_LIMITED),
)
async def revoke(
    issuer_id: UUID,
    key_id: str = Path(max_length=40, pattern=r"^key-[0-9]{1,9}$"),
    body: KeyRevocationIn = Body(),
    principal: Principal = require("ops"),
    _key: str | None = idempotency_key(required=False),
    uow: UnitOfWork = Depends(get_unit_of_work),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> RevokedKeyOut:
    try:
        revoked = await revoke_key(
            uow.session, issuer_id, key_id, f"{principal.subject_id}: {body.reason}", rt
        )
    except UnknownKeyError:
        raise ProblemError(404, "Not found", f"This issuer has no key {key_id}.") from None
    except RotationRefused as refused:
        raise _refusal(refused) from None
    if revoked is None:
        raise ProblemError(404, "Not found", "No issuer with this id.")
    await uow.commit()
    return RevokedKeyOut(
        issuer_id=revoked.issuer_id,
        key_id=revoked.key_id,
        revoked_at=revoked.revoked_at,
        replaced_by=revoked.replaced_by,
    )
