"""One function per consumed event type.

Creating a PaymentIntent is the one place where a crash could cost money twice, so it
runs in three steps: (1) commit a ``creating`` row, unique per enrollment, in its own
transaction; (2) find or create the intent at Stripe (idempotency key from the
enrollment id, metadata carrying it); (3) record the intent id and emit the initiated
event in the handler's transaction. A crash after (2) leaves a ``creating`` row
without an intent id; the redelivered event then finds the intent at Stripe instead
of creating a second one.
"""

from __future__ import annotations

import functools
import logging
from uuid import uuid4

from credmarket_events.enrollment import (
    EnrollmentCancelledV1,
    EnrollmentRequestedV1,
    RefundRequestedV1,
)
from credmarket_platform.messaging.handlers import (
    HandlerContext,
    HandlerRegistry,
    NonRetryableError,
)

from payments.db import repository
from payments.db.tables import Payment
from payments.domain.fee_split import split_payment
from payments.domain.status import PaymentStatus
from payments.domain.stripe_params import (
    IntentRequest,
    cancel_intent_key,
    create_intent_key,
    payment_intent_params,
)
from payments.requested_refunds import handle_refund_requested
from payments.runtime import Runtime
from payments.settlement import mark_cancelled, mark_succeeded, record_intent

log = logging.getLogger(__name__)


async def _claim_payment(rt: Runtime, data: EnrollmentRequestedV1) -> bool:
    """Commit the ``creating`` row; True when this call created it (no earlier attempt)."""
    now = rt.clock()
    split = split_payment(data.quoted_price.amount, rt.settings.platform_fee_bps)
    async with rt.db.unit_of_work() as uow:
        account = await repository.provider_account(uow.session, data.provider_id)
        claimed = await repository.claim_creating_payment(
            uow.session,
            Payment(
                id=uuid4(),
                enrollment_id=data.enrollment_id,
                learner_id=data.learner_id,
                offering_id=data.offering_id,
                provider_id=data.provider_id,
                amount=data.quoted_price.amount,
                currency=data.quoted_price.currency,
                status=PaymentStatus.CREATING.value,
                provider_account=account,
                platform_fee=split.platform_fee,
                provider_share=split.provider_share,
                amount_refunded=0,
                attempts_failed=0,
                payment_deadline=data.payment_deadline,
                created_at=now,
                updated_at=now,
            ),
        )
        await uow.commit()
    if not claimed:
        log.info("enrollment %s already has a payment", data.enrollment_id)
    return claimed


async def handle_enrollment_requested(
    ctx: HandlerContext[EnrollmentRequestedV1], *, rt: Runtime
) -> None:
    data = ctx.data
    if data.quoted_price.amount <= 0:
        raise NonRetryableError("a free enrollment has nothing to pay")
    first_attempt = await _claim_payment(rt, data)

    payment = await repository.payment_by_enrollment(ctx.uow.session, data.enrollment_id, lock=True)
    assert payment is not None
    if payment.status != PaymentStatus.CREATING.value or payment.stripe_payment_intent_id:
        return  # the intent was recorded and announced before

    # Only an attempt that found the row already claimed can follow one that died after
    # creating the intent; the row we just claimed has no intent anywhere yet. (Finding
    # one lists intents at Stripe where search is missing: O(all intents) per purchase.)
    existing = (
        None if first_attempt else await rt.stripe.find_intent_for_enrollment(payment.enrollment_id)
    )
    if existing is None:
        params = payment_intent_params(
            IntentRequest(
                payment_id=payment.id,
                enrollment_id=payment.enrollment_id,
                learner_id=payment.learner_id,
                offering_id=payment.offering_id,
                provider_id=payment.provider_id,
                amount=payment.amount,
                currency=payment.currency,
                provider_account=payment.provider_account,
                platform_fee=payment.platform_fee,
            ),
            localstripe=rt.settings.uses_localstripe,
        )
        intent = await rt.stripe.create_intent(params, create_intent_key(payment.enrollment_id))
    else:
        log.info("found intent %s of an earlier attempt", existing.id)
        intent = existing
    if intent.client_secret is None:
        raise RuntimeError(f"Stripe returned intent {intent.id} without a client secret")
    now = rt.clock()
    record_intent(
        payment, intent_id=intent.id, client_secret=intent.client_secret, now=now, emit=ctx.emit
    )
    if intent.status == "succeeded":
        mark_succeeded(payment, now=now, emit=ctx.emit)
    elif intent.status == "canceled":
        mark_cancelled(payment, reason="canceled at Stripe", now=now, emit=ctx.emit)


async def handle_enrollment_cancelled(
    ctx: HandlerContext[EnrollmentCancelledV1], *, rt: Runtime
) -> None:
    data = ctx.data
    payment = await repository.payment_by_enrollment(ctx.uow.session, data.enrollment_id, lock=True)
    if payment is None or payment.status not in (
        PaymentStatus.CREATING.value,
        PaymentStatus.PENDING.value,
    ):
        return
    intent_id = payment.stripe_payment_intent_id
    if intent_id is None:
        found = await rt.stripe.find_intent_for_enrollment(payment.enrollment_id)
        intent_id = found.id if found else None
    now = rt.clock()
    if intent_id is not None:
        payment.stripe_payment_intent_id = intent_id
        outcome = await rt.stripe.cancel_intent(intent_id, cancel_intent_key(payment.id))
        if outcome.status == "succeeded":
            # The learner paid just before the cancellation: report the truth and let
            # enrollment decide (it refunds or keeps the learner).
            mark_succeeded(payment, now=now, emit=ctx.emit)
            return
    mark_cancelled(payment, reason=data.reason.value, now=now, emit=ctx.emit)


def build_registry(rt: Runtime) -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.register(EnrollmentRequestedV1, functools.partial(handle_enrollment_requested, rt=rt))
    registry.register(EnrollmentCancelledV1, functools.partial(handle_enrollment_cancelled, rt=rt))
    registry.register(RefundRequestedV1, functools.partial(handle_refund_requested, rt=rt))
    return registry
