"""Answer 503 at once when a process already has enough requests in flight.

Past saturation a server that accepts everything gets slower for everyone: each new
request waits behind all the others, clients time out and retry, and the work done
for abandoned requests is wasted (issue 11's verify benchmark: throughput fell from
~210/s to ~35/s past saturation). With a cap, the requests in flight keep their
latency and the rest learn immediately, with ``Retry-After``, to come back.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from credmarket_platform.http.problems import problem_response

__all__ = ["InFlightLimitMiddleware"]

# Probes and scrapes must answer even when the process is busy.
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def _is_stream(scope: Scope) -> bool:
    """An event stream is open for minutes: it would hold a slot meant for a request that
    takes milliseconds. Streams have their own bound (enrollment's live_max_streams)."""
    return any(
        name == b"accept" and b"text/event-stream" in value
        for name, value in scope.get("headers", ())
    )


class InFlightLimitMiddleware:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in EXEMPT_PATHS or _is_stream(scope):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            response = problem_response(
                503,
                "Service overloaded",
                f"this instance is handling {self.limit} requests already; retry shortly",
                type_="urn:credmarket:problem:overloaded",
                headers={"Retry-After": "1"},
            )
            await response(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
