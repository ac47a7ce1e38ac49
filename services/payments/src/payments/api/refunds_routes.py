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
from datetime import timedelta
from uuid import UUID, uuid5

import stripe
from credmarket_platform.auth import Principal, canonical_subject, require
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.idempotency import idempotency_key
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends

from payments.actions.settlement import new_refund, record_stripe_refund, refuse_refund
from payments.api.dependencies import get_runtime
from payments.api.payments_models import NewRefund, RefundView
from payments.api.payments_routes import not_found
from payments.api.visibility import may_see
from payments.db import repository
from payments.db.tables import Refund
from payments.domain.refund_policy import (
    Refundable,
    RefundRefusal,
    RefundRefused,
    Requester,
    decide_refund,
)
from payments.domain.refund_status import NOT_PAID_BACK, RefundStatus, from_stripe
from payments.domain.status import PaymentStatus
from payments.domain.stripe_params import refund_key, refund_params
from payments.failures import is_transient
from payments.runtime import SOURCE, PaymentsRuntime
from payments.stripe_gateway import RefundInfo

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
    refund_id = api_refund_id(payment_id, principal, key)
    fingerprint = request_fingerprint(payment_id, body)
    refund, intent_id, connected = await _reserve(
        rt, payment_id, body, principal, refund_id, fingerprint
    )
    if RefundStatus(refund.status) is not RefundStatus.REQUESTING:
        return _answer(refund)  # answered by Stripe before: the same answer again
    try:
        made = await rt.stripe.create_refund(
            refund_params(
                payment_intent_id=intent_id,
                amount=refund.amount,
                refund_id=refund.id,
                payment_id=payment_id,
                connected=connected,
            ),
            refund_key(refund.id),
        )
    except stripe.StripeError as exc:
        if is_transient(exc):
            # Outcome unknown. The reservation stays; a repeat of this request (same key)
            # asks Stripe again with the same Stripe key, and Stripe's webhook (matched
            # by the refund id in its metadata) may settle it first.
            log.warning("refund %s: Stripe did not answer (%r)", refund.id, exc)
            raise ProblemError(
                503,
                "Stripe unavailable",
                f"refund {refund.id} was sent but not confirmed; repeat this request with "
                "the same Idempotency-Key to finish it",
                type_="urn:credmarket:problem:refund-unconfirmed",
                headers={"Retry-After": "5"},
                refund_id=str(refund.id),
            ) from None
        return _answer(await _refused(rt, refund.id, (exc.user_message or str(exc))[:1000]))
    return _answer(await _record(rt, payment_id, refund.id, made))


async def _reserve(
    rt: PaymentsRuntime,
    payment_id: UUID,
    body: NewRefund,
    principal: Principal,
    refund_id: UUID,
    fingerprint: str,
) -> tuple[Refund, str, bool]:
    """This request's refund row: found (a retry) or committed now, reserving the amount."""
    now = rt.clock()
    async with rt.db.unit_of_work() as uow:
        payment = await repository.payment_by_id(uow.session, payment_id, lock=True)
        if payment is None or not may_see(principal, payment):
            raise not_found(payment_id)
        intent_id = payment.stripe_payment_intent_id
        connected = payment.provider_account is not None and not rt.settings.uses_localstripe
        refund = await repository.refund_by_id(uow.session, refund_id)
        if refund is not None:
            if refund.request_fingerprint != fingerprint:
                raise ProblemError(
                    422,
                    "Idempotency key reused",
                    "This Idempotency-Key already names a different refund; use a new key "
                    "for a new refund.",
                    type_="urn:credmarket:problem:idempotency-key-reused",
                )
            assert intent_id is not None
            uow.session.expunge(refund)  # read, not changed: its state outlives the session
            return refund, intent_id, connected
        try:
            amount = decide_refund(
                Refundable(
                    status=PaymentStatus(payment.status),
                    amount=payment.amount,
                    committed_refunds=await repository.reserved_refunds(uow.session, payment.id),
                    provider_id=str(payment.provider_id),
                    succeeded_at=payment.succeeded_at,
                ),
                Requester(role=principal.role, subject=canonical_subject(principal.subject)),
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
            requested_by=f"{principal.role}:{principal.subject_id}"[:255],
            reason=body.reason,
            now=now,
            refund_id=refund_id,
            request_fingerprint=fingerprint,
        )
        uow.session.add(refund)
        await uow.commit()
    assert intent_id is not None
    return refund, intent_id, connected


async def _refused(rt: PaymentsRuntime, refund_id: UUID, reason: str) -> Refund:
    async with rt.db.unit_of_work() as uow:
        refund = await repository.refund_by_id(uow.session, refund_id, lock=True)
        assert refund is not None
        refuse_refund(refund, reason=reason)
        await uow.commit()
    return refund


async def _record(
    rt: PaymentsRuntime, payment_id: UUID, refund_id: UUID, made: RefundInfo
) -> Refund:
    async with rt.db.unit_of_work() as uow:
        payment = await repository.payment_by_id(uow.session, payment_id, lock=True)
        refund = await repository.refund_by_id(uow.session, refund_id, lock=True)
        assert payment is not None
        assert refund is not None
        status = from_stripe(made.status)
        if status is None:
            log.warning("refund %s: Stripe says %s; left for its webhook", refund.id, made.status)
            refund.stripe_refund_id = refund.stripe_refund_id or made.id
        else:
            record_stripe_refund(
                payment,
                refund,
                stripe_refund_id=made.id,
                status=status,
                failure=None,
                now=rt.clock(),
                emit=lambda data: uow.emit_new(data, SOURCE),
            )
        await uow.commit()
    return refund


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
