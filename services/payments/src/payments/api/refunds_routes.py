"""POST a refund: ops for any payment, a provider for its own within the window.

The refunded event is emitted when Stripe accepts the refund, keyed on the Stripe
refund id: whichever of this request and Stripe's webhook records it first emits,
the other finds it done. The amount is reserved (a ``requesting`` row, under the
payment's row lock) before Stripe is called, so concurrent requests cannot together
refund more than was paid.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

import stripe
from credmarket_platform.auth import Principal, require
from credmarket_platform.http.idempotency import idempotency_key
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends

from payments.api.dependencies import get_runtime
from payments.api.payments_models import NewRefund, RefundView
from payments.api.payments_routes import not_found
from payments.api.visibility import may_see
from payments.db import repository
from payments.domain.refund_policy import (
    Refundable,
    RefundRefusal,
    RefundRefused,
    Requester,
    decide_refund,
)
from payments.domain.status import PaymentStatus
from payments.domain.stripe_params import refund_key, refund_params
from payments.runtime import SOURCE, Runtime
from payments.settlement import complete_refund, new_refund

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/payments", tags=["refunds"])

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
    responses=problem_responses(400, 401, 403, 404, 409, 422, 502, 503),
    summary="Refund a payment fully (no amount) or partly",
)
async def create_refund(
    payment_id: UUID,
    body: NewRefund,
    principal: Principal = require("provider", "ops"),
    _key: str | None = idempotency_key(required=True),
    rt: Runtime = Depends(get_runtime),
) -> RefundView:
    now = rt.clock()
    async with rt.db.unit_of_work() as uow:
        payment = await repository.payment_by_id(uow.session, payment_id, lock=True)
        if payment is None or not may_see(principal, payment):
            raise not_found(payment_id)
        try:
            amount = decide_refund(
                Refundable(
                    status=PaymentStatus(payment.status),
                    amount=payment.amount,
                    committed_refunds=await repository.reserved_refunds(uow.session, payment.id),
                    provider_id=str(payment.provider_id),
                    succeeded_at=payment.succeeded_at,
                ),
                Requester(role=principal.role, subject=principal.subject),
                body.amount,
                now=now,
                provider_window=timedelta(days=rt.settings.provider_refund_window_days),
            )
        except RefundRefused as refused:
            raise ProblemError(
                _STATUS_FOR[refused.reason],
                "Refund refused",
                refused.detail,
                type_=f"urn:credmarket:problem:refund-{refused.reason.value.replace('_', '-')}",
                reason=refused.reason.value,
            ) from None
        refund = new_refund(
            payment,
            amount=amount,
            origin="api",
            requested_by=f"{principal.role}:{principal.subject}"[:255],
            reason=body.reason,
            now=now,
        )
        uow.session.add(refund)
        intent_id = payment.stripe_payment_intent_id
        connected = payment.provider_account is not None and not rt.settings.uses_localstripe
        await uow.commit()
    assert intent_id is not None

    try:
        made = await rt.stripe.create_refund(
            refund_params(
                payment_intent_id=intent_id,
                amount=amount,
                refund_id=refund.id,
                payment_id=payment_id,
                connected=connected,
            ),
            refund_key(refund.id),
        )
    except stripe.APIConnectionError:
        # The outcome is unknown: the reservation stays until Stripe's webhook (matched by
        # the refund id in its metadata) or ops settles it; a retry must use a new key.
        log.warning("refund %s: Stripe unreachable, outcome unknown", refund.id)
        raise ProblemError(
            503,
            "Stripe unavailable",
            f"refund {refund.id} was sent but not confirmed; check the payment shortly",
            headers={"Retry-After": "30"},
        ) from None
    except stripe.StripeError as exc:
        async with rt.db.unit_of_work() as uow:
            failed = await repository.refund_by_id(uow.session, refund.id, lock=True)
            if failed is not None and failed.status == "requesting":
                failed.status = "failed"
                failed.failure_reason = (exc.user_message or str(exc))[:1000]
            await uow.commit()
        raise ProblemError(
            502, "Stripe refused the refund", exc.user_message or "Stripe refused the refund"
        ) from None

    async with rt.db.unit_of_work() as uow:
        payment_row = await repository.payment_by_id(uow.session, payment_id, lock=True)
        refund_row = await repository.refund_by_id(uow.session, refund.id, lock=True)
        assert payment_row is not None
        assert refund_row is not None
        if made.status in ("succeeded", "pending"):
            complete_refund(
                payment_row,
                refund_row,
                stripe_refund_id=made.id,
                now=rt.clock(),
                emit=lambda data: uow.emit_new(data, SOURCE),
            )
        else:
            refund_row.status = "failed"
            refund_row.stripe_refund_id = made.id
            refund_row.failure_reason = f"Stripe reports the refund {made.status}"
        await uow.commit()
    return RefundView.of(refund_row)
