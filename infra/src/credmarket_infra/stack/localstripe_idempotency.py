"""`Idempotency-Key` on the stand-in, as Stripe honours it.

A POST with a key is executed once per (account, key): a repeat with the same
parameters gets the first answer again (marked ``Idempotent-Replayed: true``) and
changes nothing; a repeat with other parameters is refused with a 400
``idempotency_error``; a repeat while the first is still being executed gets a 409.
Keys are kept for 24 hours, in the stand-in's store, so they outlive a restart.

What is remembered: answers of requests that were executed (2xx, and 402 card errors).
A request refused before it ran (a 400 for bad parameters, a 401, a fault injected in
front of the API) is not, so repeating it runs it again, as on Stripe where "no
idempotent result is saved" when "no API endpoint began execution". localstripe
answers 500 only when it crashes, not the way Stripe reports an outage, so 5xx answers
are not remembered either: a retry after a 500 gets a fresh attempt.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any, cast

from aiohttp import web
from localstripe import resources
from localstripe.errors import UserError
from localstripe.server import app, get_api_key, get_post_data

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEEP_FOR_S = 24 * 3600
SLOT_PREFIX = "_idempotency:"


@dataclass(frozen=True)
class Remembered:
    """The first answer under a key (pickled with the store)."""

    fingerprint: str
    status: int
    body: bytes
    content_type: str
    created: float


def _remembered(status: int) -> bool:
    return 200 <= status < 300 or status == 402


def _error(status: int, error_type: str, message: str, code: str | None = None) -> web.Response:
    error: dict[str, Any] = {"type": error_type, "message": message}
    if code:
        error["code"] = code
    return web.json_response({"error": error}, status=status)


async def _fingerprint(request: web.Request, data: Any) -> str:
    canonical = json.dumps(
        {"method": request.method, "path": request.path, "params": data},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def install() -> None:
    in_flight: set[str] = set()

    @web.middleware
    async def idempotency(request: web.Request, handler: Any) -> web.StreamResponse:
        key = request.headers.get(HEADER)
        if request.method != "POST" or not key or request.path.startswith("/_config/"):
            return cast(web.StreamResponse, await handler(request))
        data = await get_post_data(request, remove_auth=False)
        account = get_api_key(request) or (data or {}).get("key") or ""
        slot = f"{SLOT_PREFIX}{account}:{key}"
        if data:
            for field in ("key", "payment_user_agent", "referrer"):
                data.pop(field, None)
        fingerprint = await _fingerprint(request, data)
        first = resources.store.get(slot)
        if isinstance(first, Remembered) and time.time() - first.created > KEEP_FOR_S:
            del resources.store[slot]
            first = None
        if isinstance(first, Remembered):
            if first.fingerprint != fingerprint:
                return _error(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters "
                    f"they were first used with. Try using a key other than '{key}' if you "
                    "meant to execute a different request.",
                )
            return web.Response(
                status=first.status,
                body=first.body,
                content_type=first.content_type,
                headers={REPLAYED: "true", HEADER: key},
            )
        if slot in in_flight:
            return _error(
                409,
                "invalid_request_error",
                "There is currently another in-progress request using this idempotent key; "
                "try again later.",
                code="idempotency_key_in_use",
            )
        in_flight.add(slot)
        try:
            try:
                response = cast(web.StreamResponse, await handler(request))
            except UserError as refused:
                response = refused.to_response()
            body = getattr(response, "body", None)
            if _remembered(response.status) and isinstance(body, bytes):
                resources.store[slot] = Remembered(
                    fingerprint=fingerprint,
                    status=response.status,
                    body=body,
                    content_type=response.content_type,
                    created=time.time(),
                )
                resources.store.dump_to_disk()
            response.headers[HEADER] = key
            return response
        finally:
            in_flight.discard(slot)

    app.middlewares.append(idempotency)
