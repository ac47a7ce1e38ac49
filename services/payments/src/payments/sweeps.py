"""Reconciliation: ask Stripe about payments a webhook should have settled by now.

Safe with several replicas, and no row lock is held while Stripe answers: a sweep
first claims its batch in a short transaction (SKIP LOCKED, and the claim moves the
rows' ``updated_at`` so no other sweep takes them for a period), then asks Stripe about
each intent, then settles each in a transaction of its own under the row's lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from functools import partial
from typing import Any
from uuid import UUID

import stripe
from credmarket_platform.periodic import periodic_task

from payments.actions.settlement import mark_cancelled, mark_succeeded
from payments.db import repository
from payments.domain.status import PaymentStatus
from payments.runtime import SOURCE, PaymentsRuntime
from payments.stripe_gateway import IntentInfo

log = logging.getLogger(__name__)


async def reconcile_once(rt: PaymentsRuntime) -> int:
    """Settle what Stripe already knows; returns how many payments changed."""
    now = rt.clock()
    older_than = now - timedelta(seconds=rt.settings.reconcile_after_s)
    async with rt.db.unit_of_work() as uow:
        claimed = await repository.claim_stale_pending(
            uow.session, older_than, rt.settings.reconcile_batch_size, now
        )
        await uow.commit()
    changed = 0
    for payment_id, intent_id in claimed:
        try:
            intent = await rt.stripe.retrieve_intent(intent_id)
        except stripe.StripeError as exc:
            log.warning("reconcile %s: Stripe said %r", payment_id, exc)
            continue
        changed += await _settle(rt, payment_id, intent)
    if changed:
        log.info("reconciliation settled %d payment(s)", changed)
    return changed


async def _settle(rt: PaymentsRuntime, payment_id: UUID, intent: IntentInfo) -> bool:
    if intent.status not in ("succeeded", "canceled"):
        return False  # still payable (a declined card included): looked at next period
    now = rt.clock()
    async with rt.db.unit_of_work() as uow:

        def emit(data: Any) -> Any:
            return uow.emit_new(data, SOURCE)

        payment = await repository.payment_by_id(uow.session, payment_id, lock=True)
        if payment is None or payment.status != PaymentStatus.PENDING.value:
            return False  # a webhook settled it meanwhile
        if intent.status == "succeeded":
            changed = mark_succeeded(payment, now=now, emit=emit)
        else:
            changed = mark_cancelled(payment, reason="canceled at Stripe", now=now, emit=emit)
        await uow.commit()
    return changed


def reconciliation_task(rt: PaymentsRuntime) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    return periodic_task(
        "payments-reconcile",
        partial(reconcile_once, rt),
        interval_s=rt.settings.reconcile_interval_s,
    )
