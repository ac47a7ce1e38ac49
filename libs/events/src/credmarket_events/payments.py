"""Events emitted by the payments service."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import Field, model_validator

from credmarket_events.base import EventData
from credmarket_events.registry import register
from credmarket_events.topics import PAYMENTS
from credmarket_events.values import Money, UtcDateTime

PaymentIntentId = Field(pattern=r"^pi_[A-Za-z0-9_]+$", max_length=255)


class PaymentInitiatedV1(EventData):
    """Payments emits this once it created the Stripe PaymentIntent for an enrollment.

    Enrollment stores the client secret so the learner's frontend can confirm
    the payment with Stripe. The secret authorises nothing but confirming this
    one intent; still, never log it.
    """

    event_type: ClassVar[str] = "credmarket.payments.payment.initiated.v1"
    key_field: ClassVar[str] = "payment_id"

    payment_id: UUID
    enrollment_id: UUID
    stripe_payment_intent_id: str = PaymentIntentId
    client_secret: str = Field(min_length=1, max_length=500)
    amount: Money
    initiated_at: UtcDateTime


class PaymentSucceededV1(EventData):
    """Payments emits this when Stripe's signed webhook reports the intent succeeded.

    Enrollment activates the enrollment. ``platform_fee`` + ``provider_share``
    always equal ``amount``.
    """

    event_type: ClassVar[str] = "credmarket.payments.payment.succeeded.v1"
    key_field: ClassVar[str] = "payment_id"

    payment_id: UUID
    enrollment_id: UUID
    stripe_payment_intent_id: str = PaymentIntentId
    amount: Money
    platform_fee: Money
    provider_share: Money
    succeeded_at: UtcDateTime

    @model_validator(mode="after")
    def _split_adds_up(self) -> PaymentSucceededV1:
        currencies = {
            self.amount.currency,
            self.platform_fee.currency,
            self.provider_share.currency,
        }
        if len(currencies) != 1:
            raise ValueError("amount, platform_fee and provider_share must share a currency")
        if self.platform_fee.amount + self.provider_share.amount != self.amount.amount:
            raise ValueError("platform_fee + provider_share must equal amount")
        return self


class PaymentFailedV1(EventData):
    """Payments emits this when a payment attempt fails (e.g. card declined).

    Enrollment keeps the enrollment payable: the learner may try another card
    until the payment deadline.
    """

    event_type: ClassVar[str] = "credmarket.payments.payment.failed.v1"
    key_field: ClassVar[str] = "payment_id"

    payment_id: UUID
    enrollment_id: UUID
    reason: str = Field(min_length=1, max_length=1000)
    decline_code: str | None = Field(default=None, max_length=100)
    failed_at: UtcDateTime


class PaymentRefundedV1(EventData):
    """Payments emits this when (part of) a payment is refunded.

    By ops or the provider through the API, in Stripe's dashboard, or
    automatically on enrollment's RefundRequestedV1. Enrollment revokes the
    enrollment on a full refund, or settles the refund it asked for.
    """

    event_type: ClassVar[str] = "credmarket.payments.payment.refunded.v1"
    key_field: ClassVar[str] = "payment_id"

    payment_id: UUID
    enrollment_id: UUID
    amount_refunded: Money = Field(description="Refunded by this refund.")
    total_refunded: Money = Field(description="Refunded so far, this refund included.")
    full: bool = Field(description="The whole payment is now refunded.")
    refunded_at: UtcDateTime

    @model_validator(mode="after")
    def _totals_consistent(self) -> PaymentRefundedV1:
        if self.amount_refunded.currency != self.total_refunded.currency:
            raise ValueError("amount_refunded and total_refunded must share a currency")
        if self.amount_refunded.amount > self.total_refunded.amount:
            raise ValueError("amount_refunded cannot exceed total_refunded")
        return self


class PaymentCancelledV1(EventData):
    """Payments emits this when it cancelled an enrollment's unpaid PaymentIntent.

    Follows EnrollmentCancelledV1. No service consumes it today: it closes the
    payment's history.
    """

    event_type: ClassVar[str] = "credmarket.payments.payment.cancelled.v1"
    key_field: ClassVar[str] = "payment_id"

    payment_id: UUID
    enrollment_id: UUID
    cancelled_at: UtcDateTime
    reason: str | None = Field(default=None, max_length=1000)


register(PaymentInitiatedV1, PAYMENTS, producer="payments", consumers=("enrollment",))
register(PaymentSucceededV1, PAYMENTS, producer="payments", consumers=("enrollment",))
register(PaymentFailedV1, PAYMENTS, producer="payments", consumers=("enrollment",))
register(PaymentRefundedV1, PAYMENTS, producer="payments", consumers=("enrollment",))
register(PaymentCancelledV1, PAYMENTS, producer="payments", consumers=())
