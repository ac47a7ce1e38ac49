"""Request bodies are limited by the bytes that actually arrive, in every service.

The gateway already refuses bodies over 1 MiB, but a service is also reached without
it, and Content-Length is only a claim (chunked bodies have none): a body is counted as
it is read and refused once past the limit, before it is all in memory.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from credmarket_platform.http.problems import problem_response


def _detail(limit: int) -> str:
    return f"Send at most {limit} bytes."


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` past the limit: FastAPI passes HTTP exceptions through
    body parsing, and the problem handlers answer 413 problem+json."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _detail(limit))


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limit <= 0:
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                response = problem_response(413, detail=_detail(self.limit))
                await response(scope, receive, send)
                return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            # Read outside a route (a middleware): nothing answered it on the way out.
            if started:
                raise
            await problem_response(413, detail=_detail(self.limit))(scope, receive, send)
