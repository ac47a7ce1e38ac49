"""What a Stripe webhook event means for us, decided from its type and object alone."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    REFUND = "refund"
    IGNORED = "ignored"


INTENT_OUTCOMES: dict[str, Outcome] = {
    "payment_intent.succeeded": Outcome.SUCCEEDED,
    "payment_intent.payment_failed": Outcome.FAILED,
    "payment_intent.canceled": Outcome.CANCELED,
}

# Real Stripe reports a refund several ways; each is keyed on the refund's id, so
# whichever arrives first records it and the rest find it done. `refund.failed` is the
# one sent when a refund fails after Stripe accepted it.
REFUND_EVENT_TYPES: frozenset[str] = frozenset(
    {
        "refund.created",
        "refund.updated",
        "refund.failed",
        "charge.refund.updated",
        "charge.refunded",
    }
)


@dataclass(frozen=True, slots=True)
class RefundSeen:
    refund_id: str
    payment_intent_id: str | None
    amount: int
    status: str
    # Ours, when the refund was made through our API: ties it to the row reserved for it.
    our_refund_id: str | None = None
    # Stripe's, when it failed: lost_or_stolen_card, expired_or_canceled_card, ...
    failure_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Interpretation:
    outcome: Outcome
    payment_intent_id: str | None = None
    failure_reason: str | None = None
    decline_code: str | None = None
    refunds: tuple[RefundSeen, ...] = ()


def _refund_from(obj: dict[str, Any], fallback_intent: str | None = None) -> RefundSeen | None:
    refund_id = obj.get("id")
    amount = obj.get("amount")
    if not isinstance(refund_id, str) or not refund_id.startswith("re_"):
        return None
    if not isinstance(amount, int) or amount <= 0:
        return None
    intent = obj.get("payment_intent")
    metadata = obj.get("metadata")
    ours = metadata.get("refund_id") if isinstance(metadata, dict) else None
    failure = obj.get("failure_reason")
    return RefundSeen(
        refund_id=refund_id,
        payment_intent_id=intent if isinstance(intent, str) else fallback_intent,
        amount=amount,
        status=str(obj.get("status") or "succeeded"),
        our_refund_id=str(ours) if ours else None,
        failure_reason=f"Stripe: {failure}"[:1000] if isinstance(failure, str) else None,
    )


def interpret(event_type: str, obj: dict[str, Any]) -> Interpretation:
    if event_type in INTENT_OUTCOMES:
        intent_id = obj.get("id")
        if not isinstance(intent_id, str) or not intent_id.startswith("pi_"):
            return Interpretation(Outcome.IGNORED)
        outcome = INTENT_OUTCOMES[event_type]
        if outcome is not Outcome.FAILED:
            return Interpretation(outcome, payment_intent_id=intent_id)
        error = obj.get("last_payment_error") or {}
        message = error.get("message") if isinstance(error, dict) else None
        decline = (
            error.get("decline_code") or error.get("code") if isinstance(error, dict) else None
        )
        return Interpretation(
            outcome,
            payment_intent_id=intent_id,
            failure_reason=str(message or "the payment attempt failed")[:1000],
            decline_code=str(decline)[:100] if decline else None,
        )
    if event_type in REFUND_EVENT_TYPES:
        if obj.get("object") == "refund":
            seen = _refund_from(obj)
            return Interpretation(Outcome.REFUND, refunds=(seen,) if seen else ())
        if obj.get("object") == "charge":
            intent = obj.get("payment_intent")
            # A signed body is still only as well-formed as its sender made it: anything but
            # Stripe's list object reads as no refunds, never as a crash.
            refunds = obj.get("refunds")
            listed = refunds.get("data") if isinstance(refunds, dict) else None
            found = tuple(
                r
                for r in (
                    _refund_from(item, intent if isinstance(intent, str) else None)
                    for item in (listed if isinstance(listed, list) else [])
                    if isinstance(item, dict)
                )
                if r is not None
            )
            return Interpretation(Outcome.REFUND, refunds=found)
    return Interpretation(Outcome.IGNORED)
