"""Refunds that end later, as on Stripe: `pending` first, then succeeded, failed or canceled.

localstripe makes every refund `succeeded` at once and never says more. Stripe does not:
a refund can begin `pending` and end later, and a card refund can fail after it
succeeded, each announced by webhooks (`refund.updated`, and `refund.failed` for a
failure). Here:

- Stripe's test cards for asynchronous refunds behave as Stripe documents them
  (docs.stripe.com/testing, "Refunds"): a charge paid with 4000000000007726 is refunded
  `pending`, then `succeeded`; one paid with 4000000000005126 is refunded `succeeded`,
  then `failed` (`expired_or_canceled_card`); each after ASYNC_REFUND_AFTER_S.
- ``POST /_config/refund_outcomes/{payment_intent}`` (form: ``first``, optional ``then``,
  ``failure_reason``, ``after_s``) sets how the intent's next refunds go, for tests;
  without ``then`` they stay ``first`` until
- ``POST /_config/refunds/{refund_id}/outcome`` (form: ``status``, ``failure_reason``)
  ends one now, with its webhooks.

A charge's ``amount_refunded`` counts only refunds that did not fail, as Stripe's does.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from localstripe import resources
from localstripe.errors import UserError
from localstripe.server import app
from localstripe.webhooks import schedule_webhook

ASYNC_REFUND_AFTER_S = 2.0
FIRST = frozenset({"pending", "succeeded"})
LAST = frozenset({"succeeded", "failed", "canceled"})
NOT_PAID_BACK = frozenset({"failed", "canceled"})


@dataclass(frozen=True)
class Outcome:
    first: str
    then: str | None = None
    failure_reason: str | None = None
    after_s: float = ASYNC_REFUND_AFTER_S


# Stripe's documented test cards.
CARD_OUTCOMES: dict[str, Outcome] = {
    "4000000000007726": Outcome("pending", "succeeded"),
    "4000000000005126": Outcome("succeeded", "failed", "expired_or_canceled_card"),
}
_by_intent: dict[str, Outcome] = {}


def _card_number(charge: Any) -> str | None:
    method_id = getattr(charge, "payment_method", None)
    if not isinstance(method_id, str):
        return None
    method = resources.store.get(f"payment_method:{method_id}")
    number = getattr(method, "_card_number", None)
    return number if isinstance(number, str) else None


def _outcome_for(refund: Any) -> Outcome | None:
    charge = resources.store.get(f"charge:{refund.charge}")
    intent = getattr(charge, "payment_intent", None) or refund.payment_intent
    if isinstance(intent, str) and intent in _by_intent:
        return _by_intent[intent]
    number = _card_number(charge) if charge is not None else None
    return CARD_OUTCOMES.get(number) if number else None


def end_refund(refund_id: str, status: str, failure_reason: str | None) -> Any:
    """Give a refund its last status and tell the webhooks, as Stripe does."""
    refund = resources.store.get(f"refund:{refund_id}")
    if refund is None:
        raise UserError(404, f"No such refund: {refund_id}")
    if status not in LAST:
        raise UserError(400, f"a refund ends succeeded, failed or canceled, not {status}")
    refund.status = status
    if status in NOT_PAID_BACK:
        refund.failure_reason = failure_reason or "unknown"
    schedule_webhook(resources.Event("refund.updated", refund))
    if status == "failed":
        schedule_webhook(resources.Event("refund.failed", refund))
    resources.store.dump_to_disk()
    return refund


def _later(refund_id: str, outcome: Outcome) -> None:
    assert outcome.then is not None
    loop = asyncio.get_running_loop()
    loop.call_later(outcome.after_s, end_refund, refund_id, outcome.then, outcome.failure_reason)


async def _set_outcome(request: web.Request) -> web.Response:
    form = await request.post()
    first = str(form.get("first") or "pending")
    then = str(form["then"]) if form.get("then") else None
    if first not in FIRST or (then is not None and then not in LAST):
        raise UserError(400, "first: pending or succeeded; then: succeeded, failed or canceled")
    try:
        after_s = float(str(form.get("after_s") or ASYNC_REFUND_AFTER_S))
    except ValueError:
        raise UserError(400, "after_s must be a number") from None
    reason = str(form["failure_reason"]) if form.get("failure_reason") else None
    _by_intent[request.match_info["intent"]] = Outcome(first, then, reason, after_s)
    return web.json_response({"payment_intent": request.match_info["intent"], "first": first})


async def _end_now(request: web.Request) -> web.Response:
    form = await request.post()
    reason = str(form["failure_reason"]) if form.get("failure_reason") else None
    refund = end_refund(request.match_info["id"], str(form.get("status") or ""), reason)
    return web.json_response(refund._export())


def install() -> None:
    original_init = resources.Refund.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.failure_reason = None
        outcome = _outcome_for(self)
        if outcome is None:
            return
        self.status = outcome.first
        if outcome.then is not None:
            _later(self.id, outcome)

    def amount_refunded(charge: Any) -> int:
        return sum(
            r.amount for r in charge.refunds._list if getattr(r, "status", "") not in NOT_PAID_BACK
        )

    resources.Refund.__init__ = __init__
    resources.Charge.amount_refunded = property(amount_refunded)
    app.router.add_post("/_config/refund_outcomes/{intent}", _set_outcome)
    app.router.add_post("/_config/refunds/{id}/outcome", _end_now)
