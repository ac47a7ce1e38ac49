"""GET a payment, for support and for its learner and provider."""

from __future__ import annotations

from uuid import UUID

from credmarket_platform.auth import Principal, require
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends

from payments.api.dependencies import get_runtime
from payments.api.payments_models import PaymentView
from payments.api.visibility import may_see
from payments.db import repository
from payments.runtime import PaymentsRuntime

router = APIRouter(prefix="/v1/payments", tags=["payments"])


def not_found(payment_id: UUID) -> ProblemError:
    # Also for a payment that exists but is someone else's: its existence is private.
    return ProblemError(404, detail=f"no payment {payment_id} visible to you")


@router.get(
    "/{payment_id}",
    response_model=PaymentView,
    responses=problem_responses(pt.NOT_FOUND),
    summary="A payment with its refunds",
)
async def get_payment(
    payment_id: UUID,
    principal: Principal = require("learner", "provider", "ops"),
    rt: PaymentsRuntime = Depends(get_runtime),
) -> PaymentView:
    async with rt.db.unit_of_work() as uow:
        payment = await repository.payment_by_id(uow.session, payment_id)
        if payment is None or not may_see(principal, payment):
            raise not_found(payment_id)
        refunds = await repository.refunds_of(uow.session, payment.id)
        # Inside the unit of work: leaving it rolls back, which expires the rows.
        return PaymentView.of(payment, refunds)
