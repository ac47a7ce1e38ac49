"""What a learner's live status stream says about a change: pure, from before and after.

Derived from the state rather than from each handler, so every way an enrollment moves
(the purchase, payments' and issuance's events, the provider's report, a sweep, ops)
is told the same way, and a new transition cannot forget to tell it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from enrollment.domain.credential_links import credential_url
from enrollment.domain.enrollment import Enrollment
from enrollment.domain.status import EnrollmentStatus


@dataclass(frozen=True, slots=True)
class Update:
    kind: str
    data: dict[str, Any]


_STATUS_KINDS = {
    EnrollmentStatus.PENDING_PAYMENT: "enrollment.requested",
    EnrollmentStatus.ACTIVE: "enrollment.activated",
    EnrollmentStatus.COMPLETED: "enrollment.completed",
    EnrollmentStatus.CANCELLED: "enrollment.cancelled",
    EnrollmentStatus.REVOKED: "enrollment.revoked",
}


def updates_of(before: Enrollment | None, after: Enrollment) -> list[Update]:
    """In the order a client should apply them; empty when nothing a learner sees moved."""
    out: list[Update] = []

    def add(kind: str, **details: Any) -> None:
        out.append(
            Update(kind, {"enrollment_id": str(after.id), "status": after.status.value, **details})
        )

    if after.client_secret and (before is None or before.client_secret != after.client_secret):
        add(
            "payment.initiated",
            client_secret=after.client_secret,
            stripe_payment_intent_id=after.stripe_payment_intent_id,
        )
    err = after.last_payment_error
    if err is not None and (before is None or before.last_payment_error != err):
        add("payment.failed", reason=err.reason, decline_code=err.decline_code)
    if before is None or before.status is not after.status:
        details: dict[str, Any] = {}
        if after.status is EnrollmentStatus.CANCELLED and after.cancel_reason is not None:
            details["reason"] = after.cancel_reason.value
        if after.status is EnrollmentStatus.REVOKED:
            details["reason"] = after.revoke_reason
        add(_STATUS_KINDS[after.status], **details)
    cred, old = after.credential, before.credential if before else None
    if (
        cred is not None
        and cred.issued_at
        and cred.public_url
        and (old is None or not old.issued_at)
    ):
        add(
            "credential.issued",
            credential_id=str(cred.credential_id),
            credential_url=credential_url(cred.public_url),
            share_url=cred.public_url,
        )
    if cred is not None and cred.revoked_at and (old is None or not old.revoked_at):
        add("credential.revoked", credential_id=str(cred.credential_id))
    return out
