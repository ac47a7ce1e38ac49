"""A provider's webhook receiver for tests: verifies every delivery with the
`standardwebhooks` package, deduplicates by webhook-id, and can be told to fail or to
go away for a while.

Served by uvicorn on a free local port. "Down" stops the server (connections are
refused); "up" starts it again on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import uvicorn
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from credmarket_testing.wait import wait_until

Mode = Literal["ok", "fail"]


async def read_body(receive: Any) -> bytes:
    """An ASGI request's whole body, however many messages it comes in."""
    body = b""
    while True:
        message = await receive()
        chunk: bytes = message.get("body", b"")
        body += chunk
        if not message.get("more_body"):
            return body


class ClockedWebhook(Webhook):
    """The package's verification, with the receiver's idea of now taken from the test's
    clock: a test that moves time on by days moves it for both sides."""

    def __init__(self, secret: str, now: Callable[[], datetime]) -> None:
        super().__init__(secret)
        self._now = now

    def _Webhook__verify_timestamp(self, timestamp_header: str) -> datetime:
        tolerance = timedelta(minutes=5)
        try:
            timestamp = datetime.fromtimestamp(float(timestamp_header), tz=UTC)
        except ValueError as exc:
            raise WebhookVerificationError("Invalid Signature Headers") from exc
        now = self._now()
        if timestamp < now - tolerance:
            raise WebhookVerificationError("Message timestamp too old")
        if timestamp > now + tolerance:
            raise WebhookVerificationError("Message timestamp too new")
        return timestamp


@dataclass
class Delivery:
    webhook_id: str
    event: dict[str, Any]
    # Which of the receiver's secrets verified it, by name.
    verified_by: set[str]


@dataclass
class WebhookReceiver:
    secrets: dict[str, str] = field(default_factory=dict)
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    mode: Mode = "ok"
    port: int = 0
    # First arrival of each webhook-id, in arrival order.
    deliveries: list[Delivery] = field(default_factory=list)
    requests: int = 0
    duplicates: int = 0
    unverified: int = 0
    # Set: every request waits for it before it is answered (a slow receiver).
    hold: asyncio.Event | None = None
    in_flight: int = 0
    most_in_flight: int = 0
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def of_type(self, event_type: str) -> list[Delivery]:
        return [d for d in self.deliveries if d.event["type"] == event_type]

    def types_for(self, subject_field: str, value: str) -> list[str]:
        return [
            d.event["type"]
            for d in self.deliveries
            if str(d.event.get("data", {}).get(subject_field)) == value
        ]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        self.requests += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.hold is not None:
                await self.hold.wait()
            await self._answer(body, scope, send)
        finally:
            self.in_flight -= 1

    async def _answer(self, body: bytes, scope: Any, send: Any) -> None:
        if self.mode == "fail":
            await _answer(send, 500, b"receiver failing on purpose")
            return
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        verified_by = set()
        for name, secret in self.secrets.items():
            with contextlib.suppress(WebhookVerificationError):
                ClockedWebhook(secret, self.now).verify(body, headers)
                verified_by.add(name)
        if not verified_by:
            self.unverified += 1
            await _answer(send, 401, b"signature does not verify")
            return
        webhook_id = headers["webhook-id"]
        if any(d.webhook_id == webhook_id for d in self.deliveries):
            self.duplicates += 1
        else:
            self.deliveries.append(Delivery(webhook_id, json.loads(body), verified_by))
        await _answer(send, 204, b"")

    async def start(self) -> None:
        if self.port == 0:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                self.port = s.getsockname()[1]
        config = uvicorn.Config(
            self, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        task, server = self._task, self._server

        def started() -> bool:
            if task.done():
                task.result()  # it failed to start: say why
            return bool(server.started)

        await wait_until(started, timeout=10, interval=0.01, message="the receiver did not start")

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server = None
        self._task = None


async def _answer(send: Any, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": body})


@contextlib.asynccontextmanager
async def running_receiver(**kwargs: Any) -> AsyncIterator[WebhookReceiver]:
    receiver = WebhookReceiver(**kwargs)
    await receiver.start()
    try:
        yield receiver
    finally:
        await receiver.stop()
