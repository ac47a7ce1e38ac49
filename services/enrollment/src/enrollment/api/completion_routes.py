"""/v1/enrollments/{id}/completion: the provider reports how the learner did."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from credmarket_platform.auth import Principal, require, subject_uuid
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.idempotency import idempotency_key
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends

from enrollment.actions import enrollments
from enrollment.api import access
from enrollment.api.dependencies import get_runtime
from enrollment.api.enrollments_models import CompletionRequest, EnrollmentView
from enrollment.domain.errors import TransitionRefused
from enrollment.domain.values import CompletionReport
from enrollment.runtime import EnrollmentRuntime

router = APIRouter(prefix="/v1/enrollments", tags=["enrollments"])


@router.post(
    "/{enrollment_id}/completion",
    summary="Report a learner's result (the offering's provider)",
    description="A pass completes the enrollment and issuance issues the credential; a "
    "fail is recorded and the enrollment stays active so the learner may retake it.",
    responses=problem_responses(pt.NOT_FOUND, pt.ENROLLMENT_NOT_ACTIVE, pt.SUBJECT_NOT_UUID),
)
async def report_completion(
    enrollment_id: UUID,
    body: CompletionRequest,
    principal: Principal = require("provider"),
    _key: str | None = idempotency_key(required=False),
    runtime: EnrollmentRuntime = Depends(get_runtime),
) -> EnrollmentView:
    subject_uuid(principal)
    now = datetime.now(UTC)
    report = CompletionReport(
        passed=body.passed,
        score=body.score,
        evidence_url=body.evidence_url,
        evidence_narrative=body.evidence_narrative,
        reported_at=now,
    )
    try:
        completed = await enrollments.complete(
            runtime, enrollment_id, report, lambda e: access.can_see(principal, e)
        )
    except enrollments.EnrollmentNotFound:
        # Another provider's enrollment is "not found": its existence is not their business.
        raise access.not_found(enrollment_id) from None
    except TransitionRefused as exc:
        raise ProblemError(
            409,
            "Cannot complete",
            str(exc),
            type_="urn:credmarket:problem:enrollment-not-active",
            status_now=exc.status.value,
        ) from None
    return EnrollmentView.of(completed, show_client_secret=False)
