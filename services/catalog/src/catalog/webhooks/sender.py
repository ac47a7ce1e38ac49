"""One HTTP attempt at one message: to the checked address, bounded in time and size."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from catalog.domain.webhook_payload import STRUCTURED_CONTENT_TYPE
from catalog.webhooks.address_guard import AddressRefused, resolve

USER_AGENT = "credmarket-webhooks/1"


@dataclass(frozen=True)
class Attempt:
    ok: bool
    status_code: int | None
    error: str | None
    latency_ms: int
    excerpt: str | None
    # The address check stopped it: nothing was sent.
    refused: bool = False

    @property
    def outcome(self) -> str:
        return "delivered" if self.ok else "refused" if self.refused else "failed"


@dataclass(frozen=True)
class SendLimits:
    connect_timeout_s: float
    total_timeout_s: float
    excerpt_bytes: int
    allow_private: bool


def _netloc(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


async def send(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    body: bytes,
    limits: SendLimits,
) -> Attempt:
    started = time.perf_counter()

    def took() -> int:
        return int((time.perf_counter() - started) * 1000)

    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        target = await resolve(host, port, allow_private=limits.allow_private)
    except AddressRefused as exc:
        return Attempt(False, None, f"refused: {exc}", took(), None, refused=True)
    pinned = urlunsplit(
        (parts.scheme, _netloc(target.address, port), parts.path or "/", parts.query, "")
    )
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    request_headers = {
        **headers,
        "host": host_header,
        "content-type": STRUCTURED_CONTENT_TYPE,
        "user-agent": USER_AGENT,
    }
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    try:
        async with asyncio.timeout(limits.total_timeout_s):
            request = client.build_request(
                "POST", pinned, headers=request_headers, content=body, extensions=extensions
            )
            response = await client.send(request, stream=True, follow_redirects=False)
            try:
                excerpt = await _read_at_most(response, limits.excerpt_bytes)
            finally:
                await response.aclose()
    except TimeoutError:
        return Attempt(False, None, f"timed out after {limits.total_timeout_s:g} s", took(), None)
    except httpx.HTTPError as exc:
        return Attempt(False, None, f"{type(exc).__name__}: {exc}"[:500], took(), None)
    ok = 200 <= response.status_code < 300
    return Attempt(ok, response.status_code, None, took(), excerpt)


async def _read_at_most(response: httpx.Response, limit: int) -> str:
    """The start of the answer, for the delivery log; the rest is never read."""
    if limit == 0:
        return ""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit].decode("utf-8", "replace")
