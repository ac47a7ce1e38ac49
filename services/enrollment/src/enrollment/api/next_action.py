"""What the frontend does next with an enrollment, said in every answer about it.

A purchase is finished by other services (payments creates the PaymentIntent, Stripe's
webhook activates, the provider completes, issuance issues), so the enrollment answer
says which of those the frontend is waiting for, where to watch (the enrollment's
Server-Sent Events, ADR 0026) and, once the PaymentIntent exists, its client secret and
where Stripe.js's configuration is.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from enrollment.domain.enrollment import Enrollment
from enrollment.domain.status import EnrollmentStatus

STRIPE_CONFIG_PATH = "/payments/v1/config"
# A frontend without an event stream polls this often.
POLL_AFTER_S = 1


class NextActionType(StrEnum):
    WAIT_FOR_PAYMENT_INTENT = "wait_for_payment_intent"
    CONFIRM_PAYMENT = "confirm_payment"
    WAIT_FOR_COMPLETION = "wait_for_completion"
    WAIT_FOR_CREDENTIAL = "wait_for_credential"
    NONE = "none"


_SAY = {
    NextActionType.WAIT_FOR_PAYMENT_INTENT: "Payments is creating the PaymentIntent: watch "
    "`events_url` (or poll `status_url`) for `payment.initiated`, which brings the client secret.",
    NextActionType.CONFIRM_PAYMENT: "Confirm the payment with Stripe.js "
    "(`stripe.confirmCardPayment(client_secret, …)`, configured from `stripe_config_url`); "
    "then watch `events_url` for `enrollment.activated` or `payment.failed` (another card "
    "may then be tried with the same client secret).",
    NextActionType.WAIT_FOR_COMPLETION: "Paid and active: the provider reports the result; "
    "watch `events_url` for `enrollment.completed`.",
    NextActionType.WAIT_FOR_CREDENTIAL: "Completed: issuance is signing the credential; watch "
    "`events_url` for `credential.issued`.",
    NextActionType.NONE: "Nothing to wait for.",
}


class NextAction(BaseModel):
    type: NextActionType
    description: str
    client_secret: str | None = Field(
        default=None,
        description="The PaymentIntent's client secret (confirm_payment, the learner only).",
    )
    stripe_config_url: str | None = Field(
        default=None, description="Publishable key and API version for Stripe.js."
    )
    events_url: str | None = Field(
        default=None, description="This enrollment's Server-Sent Events (the learner's)."
    )
    status_url: str = Field(description="This enrollment, to poll without an event stream.")
    poll_after_s: int | None = Field(
        default=None, description="When polling instead of watching events: how often."
    )


def next_action(e: Enrollment, *, prefix: str, learner: bool) -> NextAction:
    """``prefix``: the gateway's path prefix for enrollment (empty when called directly)."""
    kind = _kind(e)
    status_url = f"{prefix}/v1/enrollments/{e.id}"
    waiting = kind is not NextActionType.NONE
    return NextAction(
        type=kind,
        description=_SAY[kind],
        client_secret=e.client_secret
        if learner and kind is NextActionType.CONFIRM_PAYMENT
        else None,
        stripe_config_url=STRIPE_CONFIG_PATH if kind is NextActionType.CONFIRM_PAYMENT else None,
        events_url=f"{status_url}/events" if learner and waiting else None,
        status_url=status_url,
        poll_after_s=POLL_AFTER_S if waiting else None,
    )


def _kind(e: Enrollment) -> NextActionType:
    match e.status:
        case EnrollmentStatus.PENDING_PAYMENT:
            if e.client_secret is None:
                return NextActionType.WAIT_FOR_PAYMENT_INTENT
            return NextActionType.CONFIRM_PAYMENT
        case EnrollmentStatus.ACTIVE:
            return NextActionType.WAIT_FOR_COMPLETION
        case EnrollmentStatus.COMPLETED if e.credential is None or (
            e.credential.issued_at is None and e.credential.revoked_at is None
        ):
            return NextActionType.WAIT_FOR_CREDENTIAL
    return NextActionType.NONE
