"""The parameters we send Stripe, built from our own records (and nothing else).

Built deterministically so that a retry with the same idempotency key sends the
same parameters: real Stripe rejects a reused key with different ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID


def create_intent_key(enrollment_id: UUID) -> str:
    return f"pi-create-{enrollment_id}"


def cancel_intent_key(payment_id: UUID) -> str:
    return f"pi-cancel-{payment_id}"


def refund_key(refund_id: UUID) -> str:
    return f"refund-create-{refund_id}"


@dataclass(frozen=True, slots=True)
class IntentRequest:
    payment_id: UUID
    enrollment_id: UUID
    learner_id: UUID
    offering_id: UUID
    provider_id: UUID
    amount: int
    currency: str
    provider_account: str | None
    platform_fee: int


def intent_metadata(req: IntentRequest) -> dict[str, str]:
    return {
        "payment_id": str(req.payment_id),
        "enrollment_id": str(req.enrollment_id),
        "learner_id": str(req.learner_id),
        "offering_id": str(req.offering_id),
        "provider_id": str(req.provider_id),
    }


def payment_intent_params(req: IntentRequest, *, localstripe: bool) -> dict[str, Any]:
    """PaymentIntent create parameters.

    localstripe (the local stand-in) rejects ``description``, ``automatic_payment_methods``
    and the Connect parameters ``transfer_data`` / ``application_fee_amount`` with a 400,
    so in that mode they are left out; everything else is the same as for real Stripe.
    """
    params: dict[str, Any] = {
        "amount": req.amount,
        # Stripe wants lower-case ISO 4217 codes; our events carry upper-case ones.
        "currency": req.currency.lower(),
        "metadata": intent_metadata(req),
        "payment_method_types": ["card"],
    }
    if localstripe:
        return params
    params["description"] = f"credmarket enrollment {req.enrollment_id}"
    if req.provider_account is not None:
        params["transfer_data"] = {"destination": req.provider_account}
        params["application_fee_amount"] = req.platform_fee
    return params


def refund_params(
    *, payment_intent_id: str, amount: int, refund_id: UUID, payment_id: UUID, connected: bool
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "payment_intent": payment_intent_id,
        "amount": amount,
        "metadata": {"refund_id": str(refund_id), "payment_id": str(payment_id)},
    }
    if connected:
        # With destination charges the provider's transfer and our fee are taken back
        # in proportion, matching how earnings are computed.
        params["reverse_transfer"] = True
        params["refund_application_fee"] = True
    return params
