"""/v1/enrollments: buy, look at, and cancel enrollments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, NoReturn
from uuid import UUID

from credmarket_platform.auth import Principal, require, subject_uuid
from credmarket_platform.http import pagination
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.idempotency import idempotency_key
from credmarket_platform.http.pagination import cursor_query, limit_query
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends, Header, Query, Response

from enrollment.actions import enrollments
from enrollment.api import access, prefer_wait
from enrollment.api.dependencies import get_gateway_prefix, get_runtime
from enrollment.api.enrollments_models import (
    MAX_INT4,
    EnrollmentPage,
    EnrollmentView,
    PurchaseRequest,
)
from enrollment.db import repository
from enrollment.domain import purchase
from enrollment.domain.errors import DomainRefusal, TransitionRefused
from enrollment.domain.status import CancelReason, EnrollmentStatus
from enrollment.runtime import EnrollmentRuntime

router = APIRouter(prefix="/v1/enrollments", tags=["enrollments"])


def _refuse_purchase(exc: DomainRefusal) -> NoReturn:
    match exc:
        case purchase.OfferingUnknown():
            raise ProblemError(
                404,
                "Offering not found",
                str(exc),
                type_="urn:credmarket:problem:offering-not-found",
            )
        case purchase.OfferingRetired():
            raise ProblemError(
                409, "Offering retired", str(exc), type_="urn:credmarket:problem:offering-retired"
            )
        case purchase.VersionOutdated(current=current):
            raise ProblemError(
                409,
                "Offering changed",
                str(exc),
                type_="urn:credmarket:problem:offering-version-outdated",
                current_version=current.version,
                current_price={"amount": current.price.amount, "currency": current.price.currency},
            )
        case purchase.VersionNotYetKnown():
            raise ProblemError(
                409,
                "Offering version not available yet",
                str(exc),
                type_="urn:credmarket:problem:offering-version-unknown",
                headers={"Retry-After": "2"},
            )
    raise ProblemError(409, detail=str(exc))


def _already_enrolled(existing_id: UUID) -> ProblemError:
    return ProblemError(
        409,
        "Already enrolled",
        "you already have an enrollment for this offering that is not cancelled or revoked",
        type_="urn:credmarket:problem:already-enrolled",
        headers={"Location": f"/v1/enrollments/{existing_id}"},
        enrollment_id=str(existing_id),
    )


@router.post(
    "",
    status_code=201,
    summary="Buy an offering (learner)",
    responses=problem_responses(
        pt.OFFERING_NOT_FOUND,
        pt.OFFERING_RETIRED,
        pt.OFFERING_VERSION_OUTDATED,
        pt.OFFERING_VERSION_UNKNOWN,
        pt.ALREADY_ENROLLED,
        pt.SUBJECT_NOT_UUID,
        pt.EMAIL_REQUIRED,
    ),
)
async def create_enrollment(
    body: PurchaseRequest,
    response: Response,
    principal: Principal = require("learner"),
    prefer: str | None = Header(
        default=None,
        description="`wait=N` (RFC 7240): answer once payments has created the PaymentIntent "
        "(so `next_action` carries the client secret), waiting at most N seconds (10 at most). "
        "`Preference-Applied` says when it was honoured.",
    ),
    _key: str | None = idempotency_key(required=True),
    runtime: EnrollmentRuntime = Depends(get_runtime),
    prefix: str = Depends(get_gateway_prefix),
) -> EnrollmentView:
    learner_id = subject_uuid(principal)
    buyer = purchase.Buyer(
        learner_id=learner_id,
        email=access.learner_email(principal),
        name=access.learner_name(principal),
    )
    try:
        enrollment = await enrollments.buy(runtime, buyer, body.offering_id, body.offering_version)
    except enrollments.AlreadyEnrolled as exc:
        raise _already_enrolled(exc.existing_id) from None
    except DomainRefusal as exc:
        _refuse_purchase(exc)
    response.headers["Location"] = f"/v1/enrollments/{enrollment.id}"
    wait_s = prefer_wait.preferred_wait(prefer)
    if wait_s is not None and enrollment.status is EnrollmentStatus.PENDING_PAYMENT:
        enrollment = await prefer_wait.until_intent(runtime.db, runtime.updates, enrollment, wait_s)
        response.headers["Preference-Applied"] = f"wait={wait_s}"
    return EnrollmentView.of(enrollment, show_client_secret=True, prefix=prefix)


@router.get(
    "",
    summary="List enrollments: a learner's own, a provider's offerings', or all (ops)",
    responses=problem_responses(pt.SUBJECT_NOT_UUID),
)
async def list_enrollments(
    principal: Principal = require("learner", "provider", "ops"),
    status: EnrollmentStatus | None = None,
    offering_id: UUID | None = None,
    limit: int = limit_query(20, 100),
    cursor: str | None = cursor_query(),
    offset: Annotated[
        int,
        Query(
            ge=0,
            le=MAX_INT4,
            deprecated=True,
            description="Deprecated: use `cursor`. Kept for one version.",
        ),
    ] = 0,
    runtime: EnrollmentRuntime = Depends(get_runtime),
    prefix: str = Depends(get_gateway_prefix),
) -> EnrollmentPage:
    f = repository.ListFilter(status=status, offering_id=offering_id)
    if principal.role == "learner":
        f = repository.ListFilter(
            learner_id=subject_uuid(principal), status=status, offering_id=offering_id
        )
    elif principal.role == "provider":
        f = repository.ListFilter(
            provider_id=subject_uuid(principal), status=status, offering_id=offering_id
        )
    scope = pagination.scope_of(principal.role, principal.subject_id, f)
    after = None
    if cursor is not None:
        created_at, last_id = pagination.decode_cursor(cursor, scope, size=2)
        try:
            after = (datetime.fromisoformat(created_at), UUID(last_id))
        except ValueError:
            raise pagination.invalid_cursor() from None
    async with runtime.db.unit_of_work() as uow:
        items, total = await repository.list_page(
            uow.session, f, limit=limit + 1, offset=0 if after else offset, after=after
        )
    page, more = items[:limit], len(items) > limit
    next_cursor = (
        pagination.encode_cursor([page[-1].created_at.isoformat(), str(page[-1].id)], scope)
        if more
        else None
    )
    show_secret = principal.role == "learner"
    return EnrollmentPage(
        items=[EnrollmentView.of(e, show_client_secret=show_secret, prefix=prefix) for e in page],
        next_cursor=next_cursor,
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/{enrollment_id}",
    summary="One enrollment, with what the frontend needs to pay and the credential link",
    responses=problem_responses(pt.NOT_FOUND),
)
async def get_enrollment(
    enrollment_id: UUID,
    principal: Principal = require("learner", "provider", "ops"),
    runtime: EnrollmentRuntime = Depends(get_runtime),
    prefix: str = Depends(get_gateway_prefix),
) -> EnrollmentView:
    async with runtime.db.unit_of_work() as uow:
        e = await repository.load(uow.session, enrollment_id)
    if e is None or not access.can_see(principal, e):
        raise access.not_found(enrollment_id)
    return EnrollmentView.of(e, show_client_secret=principal.role == "learner", prefix=prefix)


@router.post(
    "/{enrollment_id}/cancel",
    summary="Cancel an unpaid enrollment (learner, or ops on a learner's behalf)",
    responses=problem_responses(pt.NOT_FOUND, pt.ENROLLMENT_NOT_CANCELLABLE),
)
async def cancel_enrollment(
    enrollment_id: UUID,
    principal: Principal = require("learner", "ops"),
    runtime: EnrollmentRuntime = Depends(get_runtime),
    prefix: str = Depends(get_gateway_prefix),
) -> EnrollmentView:
    reason = (
        CancelReason.OPS_CANCELLED if principal.role == "ops" else CancelReason.LEARNER_CANCELLED
    )
    try:
        cancelled = await enrollments.cancel(
            runtime, enrollment_id, reason, lambda e: access.can_see(principal, e)
        )
    except enrollments.EnrollmentNotFound:
        raise access.not_found(enrollment_id) from None
    except TransitionRefused as exc:
        raise ProblemError(
            409,
            "Cannot cancel",
            f"{exc}; a paid enrollment ends only through a refund",
            type_="urn:credmarket:problem:enrollment-not-cancellable",
            status_now=exc.status.value,
        ) from None
    return EnrollmentView.of(
        cancelled, show_client_secret=principal.role == "learner", prefix=prefix
    )
