"""Stripe webhooks as Stripe makes them, for tests and benchmarks that play Stripe."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import httpx

__all__ = ["stripe_event_for", "stripe_signature"]


def stripe_signature(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header: ``t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<payload>")``."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


async def stripe_event_for(
    http: httpx.AsyncClient,
    stripe_api_base: str,
    intent_id: str,
    event_type: str,
    *,
    api_key: str,
    created_after: int | None = None,
) -> dict[str, Any]:
    """The event as Stripe's events API has it (the same object its webhook carries)."""
    params: dict[str, str | int] = {"type": event_type, "limit": 100}
    if created_after is not None:
        params["created[gt]"] = created_after
    while True:
        page = await http.get(
            f"{stripe_api_base}/v1/events",
            params=params,
            headers={"Authorization": f"Bearer {api_key}"},
        )
        page.raise_for_status()
        body = page.json()
        for event in body["data"]:
            if event["data"]["object"]["id"] == intent_id:
                found: dict[str, Any] = event
                return found
        if not body.get("has_more") or not body["data"]:
            raise AssertionError(f"Stripe has no {event_type} event for {intent_id}")
        params["starting_after"] = body["data"][-1]["id"]
