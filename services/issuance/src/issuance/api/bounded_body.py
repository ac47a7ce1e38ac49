"""Reading a request body with a bound on the bytes that actually arrive."""

from __future__ import annotations

from fastapi import Request


async def read_at_most(request: Request, limit: int) -> bytes | None:
    """The body, or None once more than ``limit`` bytes have arrived.

    Content-Length is only a claim: chunked bodies have none and a client may understate
    it, so the bytes are counted as they are read. Each caller answers "too large" in the
    dialect of its endpoint (problem+json, OAuth, Imsx_StatusInfo).
    """
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > limit:
            return None
    return bytes(received)
