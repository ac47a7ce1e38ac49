"""Apply one verified Stripe webhook event, once, in one transaction."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from uuid import UUID

from credmarket_platform.db import UnitOfWork

from payments.actions.settlement import (
    Emit,
    mark_cancelled,
    mark_failed_attempt,
    mark_succeeded,
    new_refund,
    record_stripe_refund,
    succeeded_event,
)
from payments.db import repository, stripe_events
from payments.domain.refund_status import RefundStatus, from_stripe
from payments.domain.status import PaymentStatus
from payments.domain.webhook_events import Outcome, RefundSeen, interpret
from payments.runtime import SOURCE, PaymentsRuntime

log = logging.getLogger(__name__)


async def _apply_refund(uow: UnitOfWork, seen: RefundSeen, now: datetime, emit: Emit) -> None:
    status = from_stripe(seen.status)
    if status is None:
        log.warning("refund %s is %s at Stripe; ops should look", seen.refund_id, seen.status)
        return
    session = uow.session
    refund = await repository.refund_by_stripe_id(session, seen.refund_id)
    if refund is None and seen.our_refund_id:
        try:
            refund = await repository.refund_by_id(session, UUID(seen.our_refund_id))
        except ValueError:
            refund = None
    if refund is not None:
        payment = await repository.payment_by_id(session, refund.payment_id, lock=True)
        refund = await repository.refund_by_id(session, refund.id, lock=True)
    elif seen.payment_intent_id:
        payment = await repository.payment_by_intent(session, seen.payment_intent_id, lock=True)
        if payment is not None:
            if status not in (RefundStatus.SUCCEEDED, RefundStatus.PENDING):
                log.warning("refund %s we never saw is %s; nothing to undo", seen.refund_id, status)
                return
            # Made outside our API (e.g. in Stripe's dashboard): record it as it stands.
            refund = new_refund(
                payment, amount=seen.amount, origin="stripe", requested_by=None, now=now
            )
            session.add(refund)
    else:
        payment = None
    if payment is None or refund is None:
        log.info("refund %s is for no payment of ours", seen.refund_id)
        return
    record_stripe_refund(
        payment,
        refund,
        stripe_refund_id=seen.refund_id,
        status=status,
        failure=seen.failure_reason,
        now=now,
        emit=emit,
    )


async def apply_stripe_event(
    uow: UnitOfWork, event_id: str, event_type: str, obj: dict[str, Any], now: datetime
) -> bool:
    """False when this event id was handled before (Stripe retries; attackers replay)."""
    meaning = interpret(event_type, obj)
    if meaning.outcome is Outcome.SUCCEEDED:
        # Every purchase's webhook: claimed and settled in one statement.
        assert meaning.payment_intent_id is not None
        outcome = await stripe_events.claim_and_succeed(
            uow.session, event_id, event_type, meaning.payment_intent_id, now
        )
        if not outcome.fresh:
            return False
        if outcome.settled is not None:
            uow.emit_new(succeeded_event(outcome.settled, now=now), SOURCE)
            return True
        # Nothing settled: no payment of ours, or one that cannot succeed any more; the
        # general path below tells which (and logs it).
    elif not await stripe_events.claim(uow.session, event_id, event_type, now):
        return False

    def emit(data: Any) -> Any:
        return uow.emit_new(data, SOURCE)

    if meaning.outcome is Outcome.IGNORED:
        return True
    if meaning.outcome is Outcome.REFUND:
        for seen in meaning.refunds:
            await _apply_refund(uow, seen, now, emit)
        return True
    assert meaning.payment_intent_id is not None
    payment = await repository.payment_by_intent(uow.session, meaning.payment_intent_id, lock=True)
    if payment is None:
        log.info(
            "webhook %s for intent %s of no payment of ours", event_id, meaning.payment_intent_id
        )
        return True
    if meaning.outcome is Outcome.SUCCEEDED:
        mark_succeeded(payment, now=now, emit=emit)
    elif meaning.outcome is Outcome.FAILED:
        mark_failed_attempt(
            payment,
            reason=meaning.failure_reason or "the payment attempt failed",
            decline_code=meaning.decline_code,
            now=now,
            emit=emit,
        )
    elif meaning.outcome is Outcome.CANCELED and payment.status != PaymentStatus.SUCCEEDED.value:
        mark_cancelled(payment, reason="canceled at Stripe", now=now, emit=emit)
    return True


async def receive_stripe_event(
    rt: PaymentsRuntime, event_id: str, event_type: str, obj: dict[str, Any]
) -> bool:
    """Apply a verified Stripe event in its own transaction; False when it was a
    duplicate."""
    async with rt.db.unit_of_work() as uow:
        fresh = await apply_stripe_event(uow, event_id, event_type, obj, rt.clock())
        await uow.commit()
    return fresh
