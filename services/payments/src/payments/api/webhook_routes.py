"""Stripe's webhook: public, authenticated by its signature alone."""

from __future__ import annotations

import json
import logging
from typing import Any

import stripe
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.contract import requires_headers
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel

from payments.actions.stripe_webhooks import receive_stripe_event
from payments.api.dependencies import get_runtime
from payments.runtime import PaymentsRuntime

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/stripe", tags=["stripe"])


class WebhookAck(BaseModel):
    received: bool
    duplicate: bool


def _refuse(detail: str) -> ProblemError:
    return ProblemError(
        400, "Webhook refused", detail, type_="urn:credmarket:problem:webhook-signature"
    )


@router.post(
    "/webhook",
    response_model=WebhookAck,
    responses=problem_responses(pt.WEBHOOK_SIGNATURE, pt.TEMPORARILY_UNAVAILABLE),
    openapi_extra=requires_headers("Stripe-Signature"),
    summary="Stripe webhook endpoint (Stripe-Signature required)",
)
async def stripe_webhook(
    request: Request,
    stripe_signature: str | None = Header(default=None, alias="Stripe-Signature"),
    rt: PaymentsRuntime = Depends(get_runtime),
) -> WebhookAck:
    secret = rt.settings.stripe_webhook_secret.get_secret_value()
    if not secret:
        log.error("CREDMARKET_STRIPE_WEBHOOK_SECRET is not set; refusing every webhook")
        raise ProblemError(503, detail="no endpoint secret is configured")
    if not stripe_signature:
        raise _refuse("the Stripe-Signature header is missing")
    payload = await request.body()
    try:
        rt.stripe.verify_webhook(
            payload, stripe_signature, secret, rt.settings.stripe_webhook_tolerance_s
        )
    except stripe.SignatureVerificationError as exc:
        raise _refuse(f"signature verification failed: {exc.user_message or exc}") from None
    except ValueError:
        raise _refuse("the payload is not a Stripe event") from None
    try:
        raw: dict[str, Any] = json.loads(payload)
        obj = raw["data"]["object"]
        event_id = str(raw["id"])
        event_type = str(raw["type"])
        if not isinstance(obj, dict):
            raise TypeError("data.object is not an object")
    except (KeyError, TypeError, ValueError, RecursionError):
        raise _refuse("the payload is not a Stripe event") from None
    log.info("stripe webhook %s %s", event_type, event_id)
    fresh = await receive_stripe_event(rt, event_id, event_type, obj)
    return WebhookAck(received=True, duplicate=not fresh)
