"""A PaymentIntent per requested enrollment, and its cancellation when the enrollment is
cancelled: each in two steps (``CallThenRecord``), the Stripe call outside the consumer's
transaction, then the recording in it.

Creating a PaymentIntent is the one place where a crash could cost money twice, so its
call runs in two steps of its own: (1) commit a ``creating`` row, unique per
enrollment, in its own short transaction; (2) find or create the intent at Stripe
(idempotency key from the enrollment id, metadata carrying it). The recording then
stores the intent id and emits the initiated event. A crash, or a transient failure
retried, after (2) finds the row still ``creating`` without an intent id; the next
attempt finds the intent at Stripe (or Stripe replays it for the same key) instead of
creating a second one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID, uuid4

from credmarket_events.enrollment import (
    EnrollmentCancelledV1,
    EnrollmentRequestedV1,
)
from credmarket_events.envelope import Envelope
from credmarket_platform.messaging.handlers import (
    HandlerContext,
    NonRetryableError,
)

from payments.actions.settlement import initiated_event, mark_cancelled, mark_succeeded
from payments.db import intents, repository
from payments.db.intents import NewPayment
from payments.db.tables import Payment
from payments.domain.fee_split import split_payment
from payments.domain.status import PaymentStatus
from payments.domain.stripe_params import (
    IntentRequest,
    cancel_intent_key,
    create_intent_key,
    payment_intent_params,
)
from payments.runtime import PaymentsRuntime
from payments.stripe_gateway import IntentInfo

log = logging.getLogger(__name__)


async def _claim_payment(rt: PaymentsRuntime, data: EnrollmentRequestedV1) -> IntentRequest | None:
    """Commit the ``creating`` row; what to ask Stripe for when this call created it,
    None when an earlier attempt did."""
    now = rt.clock()
    split = split_payment(data.quoted_price.amount, rt.settings.platform_fee_bps)
    new = NewPayment(
        id=uuid4(),
        enrollment_id=data.enrollment_id,
        learner_id=data.learner_id,
        offering_id=data.offering_id,
        provider_id=data.provider_id,
        amount=data.quoted_price.amount,
        currency=data.quoted_price.currency,
        platform_fee=split.platform_fee,
        provider_share=split.provider_share,
        payment_deadline=data.payment_deadline,
        created_at=now,
    )
    claimed = await intents.claim_creating(rt.db.engine, new)
    if claimed is None:
        log.info("enrollment %s already has a payment", data.enrollment_id)
        return None
    return IntentRequest(
        payment_id=new.id,
        enrollment_id=new.enrollment_id,
        learner_id=new.learner_id,
        offering_id=new.offering_id,
        provider_id=new.provider_id,
        amount=new.amount,
        currency=new.currency,
        provider_account=claimed.provider_account,
        platform_fee=new.platform_fee,
    )


async def _payment(rt: PaymentsRuntime, enrollment_id: UUID) -> Payment | None:
    """The row as committed, read without a lock (the recording step re-checks it)."""
    async with rt.db.unit_of_work() as uow:
        payment = await repository.payment_by_enrollment(uow.session, enrollment_id)
        if payment is not None:
            uow.session.expunge(payment)  # its loaded state outlives the session
        return payment


async def _unfinished_attempt(rt: PaymentsRuntime, enrollment_id: UUID) -> IntentRequest | None:
    """What an earlier attempt asked Stripe for, if its intent is not recorded yet."""
    payment = await _payment(rt, enrollment_id)
    assert payment is not None
    if payment.status != PaymentStatus.CREATING.value or payment.stripe_payment_intent_id:
        return None  # the intent was recorded and announced before
    return IntentRequest(
        payment_id=payment.id,
        enrollment_id=payment.enrollment_id,
        learner_id=payment.learner_id,
        offering_id=payment.offering_id,
        provider_id=payment.provider_id,
        amount=payment.amount,
        currency=payment.currency,
        provider_account=payment.provider_account,
        platform_fee=payment.platform_fee,
    )


async def call_enrollment_requested(
    envelope: Envelope[EnrollmentRequestedV1], *, rt: PaymentsRuntime
) -> IntentInfo | None:
    """The intent at Stripe for this enrollment; None when it is recorded already."""
    data = envelope.data
    if data.quoted_price.amount <= 0:
        raise NonRetryableError("a free enrollment has nothing to pay")
    # The row this call just claimed is known without reading it back, and has no
    # intent anywhere yet. Only an attempt that found the row already claimed can
    # follow one that died after creating the intent. (Finding one lists intents at
    # Stripe where search is missing: O(all intents) per purchase.)
    request = await _claim_payment(rt, data)
    existing: IntentInfo | None = None
    if request is None:
        request = await _unfinished_attempt(rt, data.enrollment_id)
        if request is None:
            return None
        existing = await rt.stripe.find_intent_for_enrollment(request.enrollment_id)
    if existing is not None:
        log.info("found intent %s of an earlier attempt", existing.id)
        intent = existing
    else:
        params = payment_intent_params(request, localstripe=rt.settings.uses_localstripe)
        intent = await rt.stripe.create_intent(params, create_intent_key(request.enrollment_id))
    if intent.client_secret is None:
        raise RuntimeError(f"Stripe returned intent {intent.id} without a client secret")
    return intent


async def record_enrollment_requested(
    ctx: HandlerContext[EnrollmentRequestedV1], intent: IntentInfo | None, *, rt: PaymentsRuntime
) -> None:
    if intent is None:
        return
    assert intent.client_secret is not None
    now = rt.clock()
    initiated = await intents.record_intent(
        ctx.uow.session, ctx.data.enrollment_id, intent.id, intent.client_secret, now
    )
    if initiated is None:
        return  # another replica recorded it meanwhile
    ctx.emit(initiated_event(initiated, now=now))
    if intent.status not in ("succeeded", "canceled"):
        return
    # Rare (an intent paid or canceled before we recorded it): the row, now pending and
    # locked by the recording, takes the outcome the usual way.
    payment = await repository.payment_by_enrollment(
        ctx.uow.session, ctx.data.enrollment_id, lock=True
    )
    assert payment is not None
    if intent.status == "succeeded":
        mark_succeeded(payment, now=now, emit=ctx.emit)
    else:
        mark_cancelled(payment, reason="canceled at Stripe", now=now, emit=ctx.emit)


@dataclass(frozen=True, slots=True)
class Cancelled:
    """What Stripe says of the intent we asked to cancel (None: there was none)."""

    intent_id: str | None
    status: str | None


async def call_enrollment_cancelled(
    envelope: Envelope[EnrollmentCancelledV1], *, rt: PaymentsRuntime
) -> Cancelled | None:
    payment = await _payment(rt, envelope.data.enrollment_id)
    if payment is None or payment.status not in (
        PaymentStatus.CREATING.value,
        PaymentStatus.PENDING.value,
    ):
        return None
    intent_id = payment.stripe_payment_intent_id
    if intent_id is None:
        found = await rt.stripe.find_intent_for_enrollment(payment.enrollment_id)
        intent_id = found.id if found else None
    if intent_id is None:
        return Cancelled(intent_id=None, status=None)
    outcome = await rt.stripe.cancel_intent(intent_id, cancel_intent_key(payment.id))
    return Cancelled(intent_id=intent_id, status=outcome.status)


async def record_enrollment_cancelled(
    ctx: HandlerContext[EnrollmentCancelledV1], cancelled: Cancelled | None, *, rt: PaymentsRuntime
) -> None:
    if cancelled is None:
        return
    payment = await repository.payment_by_enrollment(
        ctx.uow.session, ctx.data.enrollment_id, lock=True
    )
    if payment is None or payment.status not in (
        PaymentStatus.CREATING.value,
        PaymentStatus.PENDING.value,
    ):
        return  # settled meanwhile (a webhook, the sweep)
    now = rt.clock()
    if cancelled.intent_id is not None and payment.stripe_payment_intent_id is None:
        payment.stripe_payment_intent_id = cancelled.intent_id
    if cancelled.status == "succeeded":
        # The learner paid just before the cancellation: report the truth and let
        # enrollment decide (it refunds or keeps the learner).
        mark_succeeded(payment, now=now, emit=ctx.emit)
        return
    mark_cancelled(payment, reason=ctx.data.reason.value, now=now, emit=ctx.emit)
