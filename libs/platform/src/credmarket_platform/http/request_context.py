"""Per-request context: correlation and request ids, the access log, the last-resort 500.

The correlation id ties one business flow together across services (it is copied into
the events a request causes); the request id names this one HTTP exchange. Both are
echoed in response headers so a client can quote them in a support ticket.

An exception the service's failure policy calls transient (the database failing over,
Stripe unreachable) is answered 503 with Retry-After instead of 500: the client may
repeat the request, with the same Idempotency-Key, and expect it to work soon.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from credmarket_platform.failures import PLATFORM_FAILURES, Failure, FailurePolicy
from credmarket_platform.http.problems import internal_error_response, unavailable_response
from credmarket_platform.observability.logging import bind_correlation_id, bind_request_id

CORRELATION_HEADER = "X-Correlation-Id"
REQUEST_HEADER = "X-Request-Id"

# A caller-supplied id lands in our logs and headers: accept only a tame shape.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}\Z")

access_log = logging.getLogger("credmarket.http.access")
error_log = logging.getLogger("credmarket.http.errors")


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.lower().encode("latin-1")
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            text: str = value.decode("latin-1")
            return text if _SAFE_ID.match(text) else None
    return None


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, failures: FailurePolicy = PLATFORM_FAILURES) -> None:
        self.app = app
        self.failures = failures

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = _header(scope, CORRELATION_HEADER) or str(uuid.uuid4())
        request_id = _header(scope, REQUEST_HEADER) or str(uuid.uuid4())
        status = 500
        started_response = False
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                started_response = True
                status = int(message["status"])
                headers = MutableHeaders(scope=message)
                headers[CORRELATION_HEADER] = correlation_id
                headers[REQUEST_HEADER] = request_id
            await send(message)

        with bind_correlation_id(correlation_id), bind_request_id(request_id):
            try:
                await self.app(scope, receive, send_wrapper)
            except Exception as exc:
                transient = self.failures.classify(exc) is Failure.TRANSIENT
                if transient:
                    error_log.warning(
                        "%s %s: unavailable for now: %r",
                        scope.get("method"),
                        scope.get("path"),
                        exc,
                    )
                else:
                    error_log.exception(
                        "unhandled error on %s %s", scope.get("method"), scope.get("path")
                    )
                if started_response:
                    raise
                # Answer here rather than in Starlette's outermost handler, so the answer
                # still carries the ids and passes through the metrics middleware.
                answer = unavailable_response if transient else internal_error_response
                await answer(scope.get("path"))(scope, receive, send_wrapper)
            finally:
                access_log.info(
                    "%s %s %s",
                    scope.get("method"),
                    scope.get("path"),
                    status,
                    extra={
                        "http_method": scope.get("method"),
                        "http_path": scope.get("path"),
                        "http_status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
