"""Refunds enrollment asks for (RefundRequestedV1): automatic, and once per payment.

The same three steps as the refund API: reserve the amount in a ``requesting`` row
(committed on its own, under the payment's lock, released at once), ask Stripe holding
no lock, then record Stripe's answer in the consumer's transaction (PaymentRefundedV1
once the money is back). The row's id is derived from the payment id, and the Stripe
idempotency key from the row's id, so a redelivered or retried request finds the first
one's row: it completes a refund still in flight (same key, so Stripe answers with the
same refund) and does nothing for one that Stripe answered. A payment ops already
refunded in full is left alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID

import stripe
from credmarket_events.enrollment import RefundRequestedV1
from credmarket_events.envelope import Envelope
from credmarket_platform.messaging.handlers import HandlerContext, NonRetryableError

from payments.actions.settlement import new_refund, record_stripe_refund, refuse_refund
from payments.db import repository
from payments.db.tables import Payment
from payments.domain.refund_policy import (
    Refundable,
    RefundRefused,
    automatic_refund_amount,
    automatic_refund_id,
)
from payments.domain.refund_status import RefundStatus, from_stripe
from payments.domain.status import PaymentStatus
from payments.domain.stripe_params import refund_key, refund_params
from payments.failures import is_transient
from payments.runtime import PaymentsRuntime
from payments.stripe_gateway import RefundInfo

log = logging.getLogger(__name__)

ORIGIN = "enrollment"


@dataclass(frozen=True, slots=True)
class Reserved:
    """A refund to send to Stripe: its row is committed and its amount reserved."""

    refund_id: UUID
    amount: int
    payment_intent_id: str
    connected: bool


def _check_request(payment: Payment | None, data: RefundRequestedV1) -> Payment:
    # Enrollment only asks about payments it heard of from us, so a mismatch is a bug
    # or a forged event: dead-letter it for ops rather than refund the wrong payment.
    if payment is None:
        raise NonRetryableError(f"refund requested for unknown payment {data.payment_id}")
    if payment.enrollment_id != data.enrollment_id:
        raise NonRetryableError(
            f"payment {payment.id} is not enrollment {data.enrollment_id}'s payment"
        )
    if payment.currency != data.amount.currency:
        raise NonRetryableError(
            f"refund asked in {data.amount.currency}; payment {payment.id} is in {payment.currency}"
        )
    return payment


async def _reserve(rt: PaymentsRuntime, data: RefundRequestedV1, event_id: str) -> Reserved | None:
    """Commit the automatic refund's row; None when there is nothing to ask Stripe."""
    refund_id = automatic_refund_id(data.payment_id)
    async with rt.db.unit_of_work() as uow:
        found = await repository.payment_by_id(uow.session, data.payment_id, lock=True)
        payment = _check_request(found, data)
        intent_id = payment.stripe_payment_intent_id
        connected = payment.provider_account is not None and not rt.settings.uses_localstripe
        earlier = await repository.refund_by_id(uow.session, refund_id)
        if earlier is not None:
            if earlier.status != RefundStatus.REQUESTING.value:
                log.info(
                    "automatic refund %s of payment %s is %s", refund_id, payment.id, earlier.status
                )
                return None
            amount = earlier.amount  # in flight before a crash or a timeout: send it again
        else:
            try:
                amount = automatic_refund_amount(
                    Refundable(
                        status=PaymentStatus(payment.status),
                        amount=payment.amount,
                        committed_refunds=await repository.reserved_refunds(
                            uow.session, payment.id
                        ),
                        provider_id=str(payment.provider_id),
                        succeeded_at=payment.succeeded_at,
                    ),
                    data.amount.amount,
                )
            except RefundRefused as refused:
                raise NonRetryableError(f"payment {payment.id}: {refused.detail}") from None
            if amount == 0:
                log.info("payment %s is already fully refunded; nothing to do", payment.id)
                return None
            uow.session.add(
                new_refund(
                    payment,
                    amount=amount,
                    origin=ORIGIN,
                    requested_by=f"enrollment:{event_id}"[:255],
                    reason=data.reason.value,
                    now=rt.clock(),
                    refund_id=refund_id,
                )
            )
            await uow.commit()
    # A succeeded payment always has its intent (mark_succeeded requires it).
    assert intent_id is not None
    return Reserved(refund_id, amount, intent_id, connected)


@dataclass(frozen=True, slots=True)
class Answered:
    """Stripe's answer to one automatic refund: the refund it made, or its refusal."""

    refund_id: UUID
    made: RefundInfo | None
    refusal: str | None


async def call_refund_requested(
    envelope: Envelope[RefundRequestedV1], *, rt: PaymentsRuntime
) -> Answered | None:
    data = envelope.data
    reserved = await _reserve(rt, data, envelope.id)
    if reserved is None:
        return None
    try:
        made = await rt.stripe.create_refund(
            refund_params(
                payment_intent_id=reserved.payment_intent_id,
                amount=reserved.amount,
                refund_id=reserved.refund_id,
                payment_id=data.payment_id,
                connected=reserved.connected,
            ),
            refund_key(reserved.refund_id),
        )
    except stripe.StripeError as exc:
        if is_transient(exc):
            # Outcome unknown: the consumer retries with the same key, and the row keeps
            # the amount reserved; a refund webhook matching the row may settle it first.
            log.warning("automatic refund %s: %r; will retry", reserved.refund_id, exc)
            raise
        # A refusal does not change on retry: recorded on the row for ops, and
        # enrollment's needs_refund stays set.
        return Answered(reserved.refund_id, None, (exc.user_message or str(exc))[:1000])
    return Answered(reserved.refund_id, made, None)


async def record_refund_requested(
    ctx: HandlerContext[RefundRequestedV1], answered: Answered | None, *, rt: PaymentsRuntime
) -> None:
    if answered is None:
        return
    payment = await repository.payment_by_id(ctx.uow.session, ctx.data.payment_id, lock=True)
    refund = await repository.refund_by_id(ctx.uow.session, answered.refund_id, lock=True)
    assert payment is not None
    assert refund is not None
    if answered.made is None:
        refuse_refund(refund, reason=answered.refusal or "Stripe refused the refund")
        return
    status = from_stripe(answered.made.status)
    if status is None:
        log.warning("automatic refund %s: Stripe says %s", refund.id, answered.made.status)
        return
    record_stripe_refund(
        payment,
        refund,
        stripe_refund_id=answered.made.id,
        status=status,
        failure=None,
        now=rt.clock(),
        emit=ctx.emit,
    )
