"""Rows <-> domain snapshots: the only place that knows both shapes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from enrollment.domain.enrollment import Enrollment
from enrollment.domain.offerings import OfferingHead, OfferingStatus
from enrollment.domain.purchase import OfferingVersion
from enrollment.domain.status import CancelReason, EnrollmentStatus
from enrollment.domain.values import CompletionReport, CredentialLink, PaymentError, Price


def enrollment_from_row(r: Mapping[Any, Any]) -> Enrollment:
    error = None
    if r["last_payment_error_reason"] is not None:
        error = PaymentError(
            reason=r["last_payment_error_reason"],
            decline_code=r["last_payment_error_code"],
            failed_at=r["last_payment_failed_at"],
        )
    result = None
    if r["result_passed"] is not None:
        result = CompletionReport(
            passed=r["result_passed"],
            score=r["result_score"],
            evidence_url=r["result_evidence_url"],
            evidence_narrative=r["result_evidence_narrative"],
            reported_at=r["result_reported_at"],
        )
    credential = None
    if r["credential_id"] is not None:
        credential = CredentialLink(
            credential_id=r["credential_id"],
            public_url=r["credential_url"],
            issued_at=r["credential_issued_at"],
            revoked_at=r["credential_revoked_at"],
        )
    return Enrollment(
        id=r["id"],
        learner_id=r["learner_id"],
        learner_email=r["learner_email"],
        learner_name=r["learner_name"],
        offering_id=r["offering_id"],
        offering_version=r["offering_version"],
        provider_id=r["provider_id"],
        price=Price(r["price_amount"], r["price_currency"]),
        status=EnrollmentStatus(r["status"]),
        created_at=r["created_at"],
        payment_deadline=r["payment_deadline"],
        activated_at=r["activated_at"],
        activated_via=r["activated_via"],
        cancelled_at=r["cancelled_at"],
        cancel_reason=CancelReason(r["cancel_reason"]) if r["cancel_reason"] else None,
        completed_at=r["completed_at"],
        revoked_at=r["revoked_at"],
        revoke_reason=r["revoke_reason"],
        payment_id=r["payment_id"],
        stripe_payment_intent_id=r["stripe_payment_intent_id"],
        client_secret=r["client_secret"],
        last_payment_error=error,
        refund_due_payment_id=r["refund_due_payment_id"],
        result=result,
        credential=credential,
    )


def enrollment_to_row(e: Enrollment) -> dict[str, Any]:
    err, res, cred = e.last_payment_error, e.result, e.credential
    return {
        "id": e.id,
        "learner_id": e.learner_id,
        "learner_email": e.learner_email,
        "learner_name": e.learner_name,
        "offering_id": e.offering_id,
        "offering_version": e.offering_version,
        "provider_id": e.provider_id,
        "price_amount": e.price.amount,
        "price_currency": e.price.currency,
        "status": e.status.value,
        "created_at": e.created_at,
        "payment_deadline": e.payment_deadline,
        "activated_at": e.activated_at,
        "activated_via": e.activated_via,
        "cancelled_at": e.cancelled_at,
        "cancel_reason": e.cancel_reason.value if e.cancel_reason else None,
        "completed_at": e.completed_at,
        "revoked_at": e.revoked_at,
        "revoke_reason": e.revoke_reason,
        "payment_id": e.payment_id,
        "stripe_payment_intent_id": e.stripe_payment_intent_id,
        "client_secret": e.client_secret,
        "last_payment_error_reason": err.reason if err else None,
        "last_payment_error_code": err.decline_code if err else None,
        "last_payment_failed_at": err.failed_at if err else None,
        "refund_due_payment_id": e.refund_due_payment_id,
        "result_passed": res.passed if res else None,
        "result_score": res.score if res else None,
        "result_evidence_url": res.evidence_url if res else None,
        "result_evidence_narrative": res.evidence_narrative if res else None,
        "result_reported_at": res.reported_at if res else None,
        "credential_id": cred.credential_id if cred else None,
        "credential_url": cred.public_url if cred else None,
        "credential_issued_at": cred.issued_at if cred else None,
        "credential_revoked_at": cred.revoked_at if cred else None,
    }


def head_from_row(r: Mapping[Any, Any]) -> OfferingHead:
    return OfferingHead(
        offering_id=r["offering_id"],
        provider_id=r["provider_id"],
        current_version=r["current_version"],
        status=OfferingStatus(r["status"]),
        changed_at=r["changed_at"],
    )


def version_from_row(r: Mapping[Any, Any]) -> OfferingVersion:
    return OfferingVersion(
        offering_id=r["offering_id"],
        provider_id=r["provider_id"],
        version=r["version"],
        title=r["title"],
        price=Price(r["price_amount"], r["price_currency"]),
    )
