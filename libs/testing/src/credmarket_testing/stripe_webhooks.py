"""Stripe webhooks as Stripe makes them, for tests and benchmarks that play Stripe."""

from __future__ import annotations

import hashlib
import hmac
import time

__all__ = ["stripe_signature"]


def stripe_signature(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header: ``t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<payload>")``."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"
