"""Request and response shapes of the payments resource."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from credmarket_events.values import Money
from pydantic import BaseModel, Field

from payments.db.tables import Payment, Refund


class RefundView(BaseModel):
    id: UUID
    payment_id: UUID
    amount: Money
    status: str = Field(
        description=(
            "requesting (asked of Stripe, no answer yet), pending (Stripe is paying it "
            "back), succeeded (the money is back), failed or canceled (not paid back: ops "
            "are alerted)"
        )
    )
    origin: str = Field(
        description=(
            "api (ops or provider, here), stripe (made in Stripe directly) or enrollment "
            "(automatic: the payment arrived after its enrollment was cancelled, or twice)"
        )
    )
    reason: str | None = Field(
        description="Why: the requester's words, or enrollment's reason for an automatic refund"
    )
    stripe_refund_id: str | None
    failure_reason: str | None
    created_at: datetime
    refunded_at: datetime | None

    @classmethod
    def of(cls, refund: Refund) -> RefundView:
        return cls(
            id=refund.id,
            payment_id=refund.payment_id,
            amount=Money(amount=refund.amount, currency=refund.currency),
            status=refund.status,
            origin=refund.origin,
            reason=refund.reason,
            stripe_refund_id=refund.stripe_refund_id,
            failure_reason=refund.failure_reason,
            created_at=refund.created_at,
            refunded_at=refund.refunded_at,
        )


class PaymentView(BaseModel):
    id: UUID
    enrollment_id: UUID
    learner_id: UUID
    offering_id: UUID
    provider_id: UUID
    status: str = Field(description="creating, pending, succeeded or cancelled")
    amount: Money
    platform_fee: Money
    provider_share: Money
    amount_refunded: Money
    fully_refunded: bool
    stripe_payment_intent_id: str | None
    attempts_failed: int
    last_failure_reason: str | None
    last_decline_code: str | None
    created_at: datetime
    initiated_at: datetime | None
    succeeded_at: datetime | None
    cancelled_at: datetime | None
    refunds: list[RefundView]

    @classmethod
    def of(cls, payment: Payment, refunds: list[Refund]) -> PaymentView:
        def money(amount: int) -> Money:
            return Money(amount=amount, currency=payment.currency)

        return cls(
            id=payment.id,
            enrollment_id=payment.enrollment_id,
            learner_id=payment.learner_id,
            offering_id=payment.offering_id,
            provider_id=payment.provider_id,
            status=payment.status,
            amount=money(payment.amount),
            platform_fee=money(payment.platform_fee),
            provider_share=money(payment.provider_share),
            amount_refunded=money(payment.amount_refunded),
            fully_refunded=payment.amount_refunded == payment.amount,
            stripe_payment_intent_id=payment.stripe_payment_intent_id,
            attempts_failed=payment.attempts_failed,
            last_failure_reason=payment.last_failure_reason,
            last_decline_code=payment.last_decline_code,
            created_at=payment.created_at,
            initiated_at=payment.initiated_at,
            succeeded_at=payment.succeeded_at,
            cancelled_at=payment.cancelled_at,
            refunds=[RefundView.of(r) for r in refunds],
        )


class NewRefund(BaseModel):
    amount: int | None = Field(
        default=None,
        ge=1,
        le=10**15,
        strict=True,
        description="Integer minor units in the payment's currency; omit for all that is left.",
    )
    reason: str | None = Field(default=None, max_length=500)
