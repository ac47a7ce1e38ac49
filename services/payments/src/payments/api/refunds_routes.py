"""POST a refund: ops for any payment, a provider for its own within the window.

A refund's identity comes from the client: its id is derived from the caller and the
request's Idempotency-Key, and so is its Stripe idempotency key. The row is committed,
reserving the amount (under the payment's row lock, released at once), before Stripe
is called; a retry with the same key after a 503 (Stripe unreachable or slow) or a
failure after Stripe answered finds the row and finishes that refund, with the same
Stripe key, so Stripe answers with the same refund: never a second one. A retry
asking for something else under the same key is refused (422).

The refunded event is emitted when Stripe says the money is back (succeeded), keyed
on the Stripe refund id: whichever of this request and Stripe's webhook records it
first emits, the other finds it done. A refund Stripe accepts as ``pending`` keeps its
amount reserved until Stripe's webhook says how it ended.
"""

from __future__ import annotations

import hashlib
import logging
from uuid import UUID, uuid5

from credmarket_platform.auth import Principal, canonical_subject, require
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.idempotency import idempotency_key
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends

from payments.actions import api_refunds
from payments.api.dependencies import get_runtime
from payments.api.payments_models import NewRefund, RefundView
from payments.api.payments_routes import not_found
from payments.api.visibility import may_see
from payments.db.tables import Refund
from payments.domain.refund_policy import (
    RefundRefusal,
    RefundRefused,
    Requester,
)
from payments.domain.refund_status import NOT_PAID_BACK, RefundStatus
from payments.runtime import PaymentsRuntime

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/payments", tags=["refunds"])

# Fixed forever: API refund ids derived from it are how a retried request finds the
# refund its first attempt reserved.
_API_REFUNDS = UUID("0d6a2f4e-8b1c-4b7e-9f3a-6c2e5d81a4b9")


def api_refund_id(payment_id: UUID, principal: Principal, key: str) -> UUID:
    """The refund a (payment, caller, Idempotency-Key) names, whichever attempt asks."""
    return uuid5(_API_REFUNDS, f"{payment_id}\n{principal.role}:{principal.subject_id}\n{key}")


def request_fingerprint(payment_id: UUID, body: NewRefund) -> str:
    text = f"{payment_id}\n{body.amount}\n{body.reason}"
    return hashlib.sha256(text.encode()).hexdigest()


_STATUS_FOR: dict[RefundRefusal, int] = {
    RefundRefusal.NOT_YOURS: 404,
    RefundRefusal.NOT_SUCCEEDED: 409,
    RefundRefusal.WINDOW_CLOSED: 403,
    RefundRefusal.NOTHING_LEFT: 422,
    RefundRefusal.TOO_MUCH: 422,
    RefundRefusal.NOT_POSITIVE: 422,
}


@router.post(
    "/{payment_id}/refunds",
    status_code=201,
    response_model=RefundView,
    responses=problem_responses(
        pt.REFUND_NOT_YOURS,
        pt.REFUND_NOT_SUCCEEDED,
        pt.REFUND_WINDOW_CLOSED,
        pt.REFUND_NOTHING_LEFT,
        pt.REFUND_TOO_MUCH,
        pt.REFUND_NOT_POSITIVE,
        pt.REFUND_NOT_PAID,
        pt.REFUND_UNCONFIRMED,
    ),
    summary="Refund a payment fully (no amount) or partly",
    description=(
        "Requires an Idempotency-Key. When the answer is 503 (Stripe did not confirm the "
        "refund in time) or another 5xx, repeat the request with the same key: it finishes "
        "the same refund and never makes a second one."
    ),
)
async def create_refund(
    payment_id: UUID,
    body: NewRefund,
    principal: Principal = require("provider", "ops"),
    key: str | None = idempotency_key(required=True),
    rt: PaymentsRuntime = Depends(get_runtime),
) -> RefundView:
    assert key is not None
    try:
        refund = await api_refunds.refund(
            rt,
            payment_id,
            refund_id=api_refund_id(payment_id, principal, key),
            fingerprint=request_fingerprint(payment_id, body),
            amount=body.amount,
            reason=body.reason,
            requester=Requester(role=principal.role, subject=canonical_subject(principal.subject)),
            requested_by=f"{principal.role}:{principal.subject_id}"[:255],
            visible=lambda payment: may_see(principal, payment),
        )
    except api_refunds.PaymentNotFound:
        raise not_found(payment_id) from None
    except api_refunds.KeyReused:
        raise ProblemError(
            422,
            "Idempotency key reused",
            "This Idempotency-Key already names a different refund; use a new key "
            "for a new refund.",
            type_="urn:credmarket:problem:idempotency-key-reused",
        ) from None
    except RefundRefused as refused:
        raise ProblemError(
            _STATUS_FOR[refused.reason],
            "Refund refused",
            refused.detail,
            type_=f"urn:credmarket:problem:refund-{refused.reason.value.replace('_', '-')}",
            reason=refused.reason.value,
        ) from None
    except api_refunds.RefundUnconfirmed as unconfirmed:
        raise ProblemError(
            503,
            "Stripe unavailable",
            f"refund {unconfirmed.refund_id} was sent but not confirmed; repeat this request "
            "with the same Idempotency-Key to finish it",
            type_="urn:credmarket:problem:refund-unconfirmed",
            headers={"Retry-After": "5"},
            refund_id=str(unconfirmed.refund_id),
        ) from None
    return _answer(refund)


def _answer(refund: Refund) -> RefundView:
    """The refund as it stands; one Stripe refused or failed is a 502 saying why."""
    if RefundStatus(refund.status) in NOT_PAID_BACK:
        raise ProblemError(
            502,
            "Stripe refused the refund",
            refund.failure_reason or "Stripe refused the refund",
            type_="urn:credmarket:problem:refund-not-paid",
            refund_id=str(refund.id),
        )
    return RefundView.of(refund)
