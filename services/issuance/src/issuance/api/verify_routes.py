"""POST /v1/verify: anyone can check any Open Badges 3.0 credential."""

from __future__ import annotations

from typing import Any

from credmarket_platform.db import Database
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Body, Depends, Request

from issuance.actions.dependencies import IssuanceDeps
from issuance.actions.verifying import verify
from issuance.api.dependencies import get_database, get_deps
from issuance.api.verify_models import CheckOut, VerificationReport
from issuance.credentials.verification import issuer_id

router = APIRouter(tags=["verification"])

MAX_DEPTH = 32
MAX_VERIFY_BYTES = 256 * 1024


def _depth(value: Any, limit: int) -> int:
    """Nesting depth, stopping early past ``limit`` (JSON-LD processing is recursive)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    deepest = 0
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        children = (
            node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        )
        stack.extend((child, depth + 1) for child in children)
    return deepest


async def _bounded_body(request: Request) -> None:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_VERIFY_BYTES:
        raise ProblemError(
            413, "Credential too large", f"Send at most {MAX_VERIFY_BYTES} bytes of JSON."
        )


@router.post(
    "/v1/verify",
    summary="Verify an Open Badges 3.0 credential, reporting each check",
    response_model=VerificationReport,
    responses=problem_responses(pt.REQUEST_TOO_LARGE, pt.INVALID_REQUEST),
    dependencies=[Depends(_bounded_body)],
)
async def verify_credential_endpoint(
    credential: dict[str, Any] = Body(
        description="The credential JSON-LD, exactly as received (with its proof)."
    ),
    db: Database = Depends(get_database),
    deps: IssuanceDeps = Depends(get_deps),
) -> VerificationReport:
    return await verification_report(credential, db, deps)


async def verification_report(
    credential: dict[str, Any], db: Database, deps: IssuanceDeps
) -> VerificationReport:
    """The report for one credential, whether it came as JSON or baked into an image."""
    if _depth(credential, MAX_DEPTH) > MAX_DEPTH:
        raise ProblemError(
            422, "Credential too deeply nested", f"At most {MAX_DEPTH} levels of nesting."
        )
    result, local = await verify(db.engine, credential, deps)
    return VerificationReport(
        valid=result.valid,
        status=result.status,
        issuer=issuer_id(credential),
        issued_here=local,
        checks=[CheckOut(name=c.name, passed=c.passed, detail=c.detail) for c in result.checks],
    )
