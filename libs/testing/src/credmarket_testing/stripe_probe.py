"""Stripe as a test sees it from outside: ops' look-ups (intents, refunds, events) and a
webhook endpoint of the test's own at the Stripe stand-in."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Iterable
from typing import Any

import httpx
import uvicorn
from credmarket_infra.demo.stripe_js import BROWSER_TEST_KEY

from credmarket_testing.ports import free_port
from credmarket_testing.wait import wait_until
from credmarket_testing.webhook_receiver import read_body

# A key the Stripe stand-in accepts, as ops would use to look at Stripe's dashboard.
STRIPE_LOOKUP_KEY = BROWSER_TEST_KEY


def _auth(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


async def stripe_pages(
    http: httpx.AsyncClient,
    url: str,
    params: dict[str, str | int],
    api_key: str = STRIPE_LOOKUP_KEY,
) -> list[dict[str, Any]]:
    """Every object of a Stripe list, following `has_more` page by page."""
    params = {"limit": 100, **params}
    found: list[dict[str, Any]] = []
    while True:
        page = await http.get(url, params=params, headers=_auth(api_key))
        page.raise_for_status()
        body = page.json()
        found.extend(body["data"])
        if not body.get("has_more") or not body["data"]:
            return found
        params["starting_after"] = body["data"][-1]["id"]


async def stripe_watermark(http: httpx.AsyncClient, stripe_api_base: str) -> str:
    """A PaymentIntent of no enrollment, made now: Stripe lists intents oldest first, so
    listing `starting_after` it reads only what was created since, not the stand-in's
    whole (persisted, ever-growing) history, which costs ~10 ms per intent to list."""
    response = await http.post(
        f"{stripe_api_base}/v1/payment_intents",
        data={"amount": 100, "currency": "eur", "metadata[purpose]": "test watermark"},
        headers=_auth(STRIPE_LOOKUP_KEY),
    )
    response.raise_for_status()
    return str(response.json()["id"])


async def stripe_intents_for(
    http: httpx.AsyncClient, stripe_api_base: str, enrollment_ids: Iterable[str], since: str
) -> dict[str, list[dict[str, Any]]]:
    """Every PaymentIntent created at Stripe after `since` whose metadata names one of
    these enrollments (ops filtering Stripe's list by metadata)."""
    found: dict[str, list[dict[str, Any]]] = {e: [] for e in enrollment_ids}
    intents = await stripe_pages(
        http, f"{stripe_api_base}/v1/payment_intents", {"starting_after": since}
    )
    for intent in intents:
        enrollment = (intent.get("metadata") or {}).get("enrollment_id")
        if enrollment in found:
            found[enrollment].append(intent)
    return found


async def stripe_refunds_of(
    http: httpx.AsyncClient,
    stripe_api_base: str,
    intent_id: str,
    api_key: str = STRIPE_LOOKUP_KEY,
) -> list[dict[str, Any]]:
    """Every refund Stripe made of this intent, as ops would list them."""
    refunds = await stripe_pages(
        http, f"{stripe_api_base}/v1/refunds", {"payment_intent": intent_id}, api_key
    )
    # Filtered here too: a stand-in that ignored the parameter must not pass another's refunds.
    return [r for r in refunds if r.get("payment_intent") == intent_id]


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
    params: dict[str, str | int] = {"type": event_type}
    if created_after is not None:
        params["created[gt]"] = created_after
    for event in await stripe_pages(http, f"{stripe_api_base}/v1/events", params, api_key):
        if event["data"]["object"]["id"] == intent_id:
            return event
    raise AssertionError(f"Stripe has no {event_type} event for {intent_id}")


async def register_stripe_webhook(
    stripe_api_base: str, name: str, url: str, secret: str, *, events: list[str] | None = None
) -> None:
    """Have the Stripe stand-in deliver its events to ``url`` as endpoint ``name``, signed
    with ``secret``; ``events`` filters them (``[]``: none gets through)."""
    body: dict[str, Any] = {"url": url, "secret": secret}
    if events is not None:
        body["events"] = events  # as JSON: the stand-in takes the filter only as a list
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{stripe_api_base}/_config/webhooks/{name}", json=body)
        response.raise_for_status()


async def forget_stripe_webhook(stripe_api_base: str, name: str) -> None:
    """The stand-in posts every event to every endpoint it knows: forget this one."""
    with contextlib.suppress(httpx.HTTPError):
        async with httpx.AsyncClient(timeout=10) as client:
            await client.delete(f"{stripe_api_base}/_config/webhooks/{name}")


class StripeProbe:
    """A webhook endpoint of our own at the Stripe stand-in, registered after the system's.

    The stand-in delivers to its endpoints one after the other, so when the probe has an
    event, the system's delivery of it has been answered (or refused). It also keeps the
    event exactly as Stripe sent it."""

    def __init__(self, stripe_api_base: str, secret: str) -> None:
        self.stripe_api_base = stripe_api_base
        self.secret = secret
        self.name = f"probe-{uuid.uuid4().hex[:8]}"
        self.port = free_port()
        self.received: list[tuple[bytes, str]] = []
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """ASGI: keep every delivery as it came, answer as a healthy endpoint does."""
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        signature = dict(scope["headers"]).get(b"stripe-signature", b"").decode()
        self.received.append((body, signature))
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"received":true}'})

    async def start(self) -> None:
        config = uvicorn.Config(
            self, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        server = self._server = uvicorn.Server(config)
        task = self._task = asyncio.create_task(server.serve())

        def serving() -> bool:
            if task.done():
                task.result()  # it failed to start: say why
            return bool(server.started)

        await wait_until(serving, timeout=10, interval=0.01, message="the probe did not start")
        await register_stripe_webhook(
            self.stripe_api_base, self.name, f"http://127.0.0.1:{self.port}/webhook", self.secret
        )

    async def stop(self) -> None:
        await forget_stripe_webhook(self.stripe_api_base, self.name)
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task

    def events_for(self, intent_id: str, event_type: str) -> list[tuple[bytes, str]]:
        out = []
        for body, signature in self.received:
            event = json.loads(body)
            if event.get("type") == event_type and event["data"]["object"].get("id") == intent_id:
                out.append((body, signature))
        return out

    async def wait_for(
        self, intent_id: str, event_type: str = "payment_intent.succeeded", timeout_s: float = 15
    ) -> tuple[bytes, str]:
        await wait_until(
            lambda: bool(self.events_for(intent_id, event_type)),
            timeout=timeout_s,
            message=f"Stripe never delivered {event_type} for {intent_id}",
        )
        return self.events_for(intent_id, event_type)[0]
