"""Stripe misbehaving on purpose: errors and slow answers armed in front of the Stripe
stand-in's API (localstripe_faults), each scoped to one test's requests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx


class StripeFaults:
    """Errors and slow answers in front of the Stripe stand-in's API (localstripe_faults),
    each matched to one test's requests by a parameter value (an offering or payment id)."""

    def __init__(self, stripe_api_base: str, http: httpx.AsyncClient) -> None:
        self.stripe_api_base = stripe_api_base
        self.http = http
        self.armed: list[str] = []

    async def arm(self, **fields: Any) -> str:
        name = f"faults-{uuid.uuid4().hex[:10]}"
        response = await self.http.post(
            f"{self.stripe_api_base}/_config/faults/{name}",
            data={k: str(v) for k, v in fields.items()},
        )
        response.raise_for_status()
        self.armed.append(name)
        return name

    async def hits(self, name: str) -> int:
        response = await self.http.get(f"{self.stripe_api_base}/_config/faults/{name}")
        return int(response.json()["hits"]) if response.status_code == 200 else 0

    async def disarm(self, name: str) -> None:
        await self.http.delete(f"{self.stripe_api_base}/_config/faults/{name}")
