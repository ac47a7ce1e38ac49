"""A Stripe webhook passes the gateway byte for byte: the signature still verifies.

Signed exactly as Stripe signs (`t=<ts>,v1=<hex hmac-sha256(secret, "<t>.<raw body>")>`)
with the system's webhook secret, POSTed to the gateway's public webhook route; the
body is written with odd spacing and non-ASCII text, so any re-encoding on the way
would break the signature. The effect: the payment succeeds and the enrollment is
activated. A forged signature is refused with 400.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pytest
from credmarket_infra.demo.client import Marketplace
from credmarket_testing.stripe_webhooks import stripe_signature
from credmarket_testing.system import System

pytestmark = pytest.mark.integration


def _event(intent_id: str, amount: int) -> bytes:
    event: dict[str, Any] = {
        "id": f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "type": "payment_intent.succeeded",
        "livemode": False,
        "data": {
            "object": {
                "id": intent_id,
                "object": "payment_intent",
                "amount": amount,
                "amount_received": amount,
                "currency": "eur",
                "status": "succeeded",
                "description": "Kurs für Datenverarbeitung, bezahlt ✓",
            }
        },
    }
    # Not what json.dumps would write by default: spaces, raw UTF-8, a trailing newline.
    return (json.dumps(event, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


async def test_signed_webhook_verifies_through_the_gateway(
    system: System, http: httpx.AsyncClient, via_gateway: Marketplace, offering: Any
) -> None:
    learner = system.token("learner", email="ada@learners.example")
    bought = await via_gateway.purchase(learner, offering.id, offering.version)
    assert bought.status_code in (201, 202), bought.text
    enrollment_id = bought.json()["id"]
    # Relative Locations from the service are rewritten under the gateway prefix.
    if "location" in bought.headers:
        assert bought.headers["location"].startswith("/enrollment/")
    pending = await via_gateway.wait_for_enrollment(
        learner,
        enrollment_id,
        lambda e: bool(e["payment"]["stripe_payment_intent_id"]),
        what="payments to create the PaymentIntent",
    )
    intent_id = pending["payment"]["stripe_payment_intent_id"]
    url = f"{system.gateway_url}/payments/v1/stripe/webhook"

    payload = _event(intent_id, 4900)
    forged = await http.post(
        url,
        content=payload,
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": stripe_signature(payload, "whsec_not_the_secret"),
        },
    )
    assert forged.status_code == 400, forged.text
    assert forged.json()["type"] == "urn:credmarket:problem:webhook-signature"

    tampered = payload.replace(b"4900", b"4901")
    refused = await http.post(
        url,
        content=tampered,
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": stripe_signature(payload, system.webhook_secret),
        },
    )
    assert refused.status_code == 400, refused.text

    signed = await http.post(
        url,
        content=payload,
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": stripe_signature(payload, system.webhook_secret),
        },
    )
    assert signed.status_code == 200, signed.text
    assert signed.json() == {"received": True, "duplicate": False}

    active = await via_gateway.wait_for_enrollment(
        learner,
        enrollment_id,
        lambda e: e["status"] == "active",
        what="the webhook's payment to activate the enrollment",
    )
    assert active["status"] == "active"

    again = await http.post(
        url,
        content=payload,
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": stripe_signature(payload, system.webhook_secret),
        },
    )
    assert again.json() == {"received": True, "duplicate": True}
