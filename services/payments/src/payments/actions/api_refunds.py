"""A refund asked for over the API: reserved in our database first, then asked of Stripe
with a key derived from the refund, then recorded from Stripe's answer. Why in this order:
docs in payments.api.refunds_routes and ADR 0012."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

import stripe

from payments.actions.settlement import new_refund, record_stripe_refund, refuse_refund
from payments.db import repository
from payments.db.tables import Payment, Refund
from payments.domain.refund_policy import Refundable, Requester, decide_refund
from payments.domain.refund_status import RefundStatus, from_stripe
from payments.domain.status import PaymentStatus
from payments.domain.stripe_params import refund_key, refund_params
from payments.failures import is_transient
from payments.runtime import SOURCE, PaymentsRuntime
from payments.stripe_gateway import RefundInfo

log = logging.getLogger(__name__)


class PaymentNotFound(Exception):
    """No such payment, or one the caller may not see: its existence is private."""


class KeyReused(Exception):
    """The request's refund id (its Idempotency-Key) already names a different refund."""


class RefundUnconfirmed(Exception):
    """Sent to Stripe, outcome unknown: the reservation stays; asking again finishes it."""

    def __init__(self, refund_id: UUID) -> None:
        super().__init__(f"refund {refund_id} not confirmed by Stripe")
        self.refund_id = refund_id


async def refund(
    rt: PaymentsRuntime,
    payment_id: UUID,
    *,
    refund_id: UUID,
    fingerprint: str,
    amount: int | None,
    reason: str | None,
    requester: Requester,
    requested_by: str,
    visible: Callable[[Payment], bool],
) -> Refund:
    """The refund as it stands after this request. Refuses with PaymentNotFound,
    KeyReused, the policy's RefundRefused or RefundUnconfirmed."""
    reserved, intent_id, connected = await _reserve(
        rt, payment_id, refund_id, fingerprint, amount, reason, requester, requested_by, visible
    )
    if RefundStatus(reserved.status) is not RefundStatus.REQUESTING:
        return reserved  # answered by Stripe before: the same answer again
    try:
        made = await rt.stripe.create_refund(
            refund_params(
                payment_intent_id=intent_id,
                amount=reserved.amount,
                refund_id=reserved.id,
                payment_id=payment_id,
                connected=connected,
            ),
            refund_key(reserved.id),
        )
    except stripe.StripeError as exc:
        if is_transient(exc):
            # Outcome unknown. The reservation stays; a repeat of this request (same key)
            # asks Stripe again with the same Stripe key, and Stripe's webhook (matched
            # by the refund id in its metadata) may settle it first.
            log.warning("refund %s: Stripe did not answer (%r)", reserved.id, exc)
            raise RefundUnconfirmed(reserved.id) from None
        return await _refused(rt, reserved.id, (exc.user_message or str(exc))[:1000])
    return await _record(rt, payment_id, reserved.id, made)


async def _reserve(
    rt: PaymentsRuntime,
    payment_id: UUID,
    refund_id: UUID,
    fingerprint: str,
    amount: int | None,
    reason: str | None,
    requester: Requester,
    requested_by: str,
    visible: Callable[[Payment], bool],
) -> tuple[Refund, str, bool]:
    """This request's refund row: found (a retry) or committed now, reserving the amount."""
    now = rt.clock()
    async with rt.db.unit_of_work() as uow:
        payment = await repository.payment_by_id(uow.session, payment_id, lock=True)
        if payment is None or not visible(payment):
            raise PaymentNotFound
        intent_id = payment.stripe_payment_intent_id
        connected = payment.provider_account is not None and not rt.settings.uses_localstripe
        refund = await repository.refund_by_id(uow.session, refund_id)
        if refund is not None:
            if refund.request_fingerprint != fingerprint:
                raise KeyReused
            assert intent_id is not None
            uow.session.expunge(refund)  # read, not changed: its state outlives the session
            return refund, intent_id, connected
        decided = decide_refund(
            Refundable(
                status=PaymentStatus(payment.status),
                amount=payment.amount,
                committed_refunds=await repository.reserved_refunds(uow.session, payment.id),
                provider_id=str(payment.provider_id),
                succeeded_at=payment.succeeded_at,
            ),
            requester,
            amount,
            now=now,
            provider_window=timedelta(days=rt.settings.provider_refund_window_days),
        )
        refund = new_refund(
            payment,
            amount=decided,
            origin="api",
            requested_by=requested_by,
            reason=reason,
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
