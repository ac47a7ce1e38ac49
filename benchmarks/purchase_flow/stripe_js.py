"""Stripe.js' confirmCardPayment as the benchmark's browsers do it.

The same three calls as credmarket_infra.demo.stripe_js (its key and card), over the
driver's aiohttp session: the driver is one process playing thousands of browsers, and
its CPU is measured beside the services', so it keeps the cheaper client. It returns the
confirmed intent, which the self-delivered webhook carries.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from credmarket_infra.demo.stripe_js import (
    BROWSER_TEST_KEY,
    TEST_CARD_OK,
    intent_id_from_client_secret,
)

AUTH = {"Authorization": f"Bearer {BROWSER_TEST_KEY}"}


async def pay(http: aiohttp.ClientSession, stripe: str, client_secret: str) -> dict[str, Any]:
    """Pay the intent with the good test card; its state after the confirm."""
    intent_id = intent_id_from_client_secret(client_secret)
    async with http.post(
        f"{stripe}/v1/payment_methods",
        headers=AUTH,
        data={
            "type": "card",
            "card[number]": TEST_CARD_OK,
            "card[exp_month]": "12",
            "card[exp_year]": "2034",
            "card[cvc]": "123",
        },
    ) as response:
        response.raise_for_status()
        pm = await response.json()
    async with http.post(
        f"{stripe}/v1/payment_intents/{intent_id}",
        headers=AUTH,
        data={"payment_method": pm["id"]},
    ) as response:
        response.raise_for_status()
    async with http.post(
        f"{stripe}/v1/payment_intents/{intent_id}/confirm", headers=AUTH
    ) as response:
        response.raise_for_status()
        intent: dict[str, Any] = await response.json()
    if intent.get("status") != "succeeded":
        raise RuntimeError(f"intent {intent_id} is {intent.get('status')}")
    return intent
