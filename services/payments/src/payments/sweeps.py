"""Reconciliation: ask Stripe about payments a webhook should have settled by now.

Safe with several replicas: each sweep locks its batch with FOR UPDATE SKIP LOCKED,
so two replicas never reconcile the same payment at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import stripe

from payments.db import repository
from payments.runtime import SOURCE, Runtime
from payments.settlement import mark_cancelled, mark_succeeded

log = logging.getLogger(__name__)


async def reconcile_once(rt: Runtime) -> int:
    """Settle what Stripe already knows; returns how many payments changed."""
    now = rt.clock()
    older_than = now - timedelta(seconds=rt.settings.reconcile_after_s)
    changed = 0
    async with rt.db.unit_of_work() as uow:

        def emit(data: Any) -> Any:
            return uow.emit_new(data, SOURCE)

        stale = await repository.lock_stale_pending(
            uow.session, older_than, rt.settings.reconcile_batch_size
        )
        for payment in stale:
            assert payment.stripe_payment_intent_id is not None
            try:
                intent = await rt.stripe.retrieve_intent(payment.stripe_payment_intent_id)
            except stripe.StripeError as exc:
                log.warning("reconcile %s: Stripe said %r", payment.id, exc)
                continue
            if intent.status == "succeeded":
                changed += mark_succeeded(payment, now=now, emit=emit)
            elif intent.status == "canceled":
                changed += mark_cancelled(payment, reason="canceled at Stripe", now=now, emit=emit)
            else:
                # Still payable (a declined card included): look again after another period.
                payment.updated_at = now
        await uow.commit()
    if changed:
        log.info("reconciliation settled %d payment(s)", changed)
    return changed


@contextlib.asynccontextmanager
async def running_sweeps(rt: Runtime) -> AsyncIterator[None]:
    async def loop() -> None:
        while True:
            try:
                await reconcile_once(rt)
            except Exception:
                log.exception("reconciliation sweep failed; retrying next period")
            await asyncio.sleep(rt.settings.reconcile_interval_s)

    task = asyncio.create_task(loop(), name="payments-reconcile")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
