"""One attempt stays small and short whatever the receiver does: the answer is read to
the excerpt's size and dropped, a receiver that never answers costs the timeout, and
redirects are not followed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
from catalog.webhooks.sender import SendLimits, send

LIMITS = SendLimits(
    connect_timeout_s=1.0, total_timeout_s=0.5, excerpt_bytes=64, allow_private=True
)


class Endless(httpx.AsyncByteStream):
    """An answer that never ends: only a bounded reader gets past it."""

    def __init__(self) -> None:
        self.chunks_read = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            self.chunks_read += 1
            yield b"x" * 16
            await asyncio.sleep(0)


async def test_an_endless_answer_is_read_to_the_excerpt_and_dropped() -> None:
    body = Endless()
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, stream=body)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        attempt = await send(client, "http://localhost:9/hooks", {"webhook-id": "m"}, b"{}", LIMITS)
    assert attempt.ok
    assert attempt.excerpt == "x" * 64
    assert body.chunks_read <= 5
    # Sent to the address checked, with the name kept for the receiver.
    [request] = seen
    assert request.url.host in {"127.0.0.1", "::1"}
    assert request.headers["host"] == "localhost:9"
    assert request.headers["content-type"] == "application/cloudevents+json"


async def test_a_receiver_that_never_answers_costs_the_timeout_only() -> None:
    async def never(request: httpx.Request) -> httpx.Response:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async with httpx.AsyncClient(transport=httpx.MockTransport(never)) as client:
        started = time.monotonic()
        attempt = await send(client, "http://localhost:9/hooks", {}, b"{}", LIMITS)
    assert not attempt.ok
    assert attempt.error is not None
    assert "timed out" in attempt.error
    assert time.monotonic() - started < 2.0


async def test_a_redirect_is_a_failure_not_followed() -> None:
    followed: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        followed.append(str(request.url))
        return httpx.Response(
            307, headers={"location": "http://169.254.169.254/latest"}, stream=Endless()
        )

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        attempt = await send(client, "http://localhost:9/hooks", {}, b"{}", LIMITS)
    assert not attempt.ok
    assert attempt.status_code == 307
    assert len(followed) == 1
