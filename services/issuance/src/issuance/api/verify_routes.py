"""POST /v1/verify: anyone can check any Open Badges 3.0 credential."""

from __future__ import annotations

import json
from typing import Any

from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends, Request

from issuance.actions.verifying import verify
from issuance.api.bounded_body import read_at_most
from issuance.api.dependencies import get_runtime
from issuance.api.verify_models import CheckOut, VerificationReport
from issuance.credentials.document_loader import unknown_contexts
from issuance.credentials.verification import issuer_id
from issuance.runtime import IssuanceRuntime

router = APIRouter(tags=["verification"])

MAX_DEPTH = 32
# Named in a refusal; a document naming more is refused whole anyway.
_SHOWN_CONTEXTS = 5


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


def _too_large(limit: int) -> ProblemError:
    return ProblemError(413, "Credential too large", f"Send at most {limit} bytes of JSON.")


async def read_bounded_body(request: Request, limit: int) -> bytes:
    """The body, refused once more than ``limit`` bytes have actually arrived.

    Content-Length is only a claim: chunked bodies have none and a client may
    understate it, so the bytes are counted as they are read.
    """
    length = request.headers.get("content-length", "")
    if length.isascii() and length.isdigit() and int(length) > limit:
        raise _too_large(limit)
    body = await read_at_most(request, limit)
    if body is None:
        raise _too_large(limit)
    return body


async def get_credential_body(
    request: Request, rt: IssuanceRuntime = Depends(get_runtime)
) -> dict[str, Any]:
    raw = await read_bounded_body(request, rt.max_verify_body_bytes)
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ProblemError(
            400, detail="The body is not a JSON document.", type_=pt.MALFORMED_BODY.type
        ) from None
    if not isinstance(document, dict):
        raise ProblemError(422, "Not a credential", "Send the credential as a JSON object.")
    return document


@router.post(
    "/v1/verify",
    summary="Verify an Open Badges 3.0 credential, reporting each check",
    response_model=VerificationReport,
    responses=problem_responses(
        pt.MALFORMED_BODY, pt.REQUEST_TOO_LARGE, pt.INVALID_REQUEST, pt.UNKNOWN_CONTEXT
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The credential JSON-LD, exactly as received (with its proof).",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def verify_credential_endpoint(
    credential: dict[str, Any] = Depends(get_credential_body),
    rt: IssuanceRuntime = Depends(get_runtime),
) -> VerificationReport:
    return await verification_report(credential, rt)


async def verification_report(
    credential: dict[str, Any], rt: IssuanceRuntime
) -> VerificationReport:
    """The report for one credential, whether it came as JSON or baked into an image."""
    if _depth(credential, MAX_DEPTH) > MAX_DEPTH:
        raise ProblemError(
            422, "Credential too deeply nested", f"At most {MAX_DEPTH} levels of nesting."
        )
    unknown = unknown_contexts(credential)
    if unknown:
        # Exact URLs only: a fragment or a look-alike would name a document we do not hold.
        shown = ", ".join(unknown[:_SHOWN_CONTEXTS])
        raise ProblemError(
            422,
            "Unknown JSON-LD context",
            f"Only the vendored contexts are understood, exactly as published; not: {shown}",
            type_="urn:credmarket:problem:unknown-context",
        )
    result, local = await verify(rt.db.engine, credential, rt)
    return VerificationReport(
        valid=result.valid,
        status=result.status,
        issuer=issuer_id(credential),
        issued_here=local,
        checks=[CheckOut(name=c.name, passed=c.passed, detail=c.detail) for c in result.checks],
    )
