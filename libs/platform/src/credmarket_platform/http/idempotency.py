"""``Idempotency-Key`` for POST endpoints: a retried request gets the first answer.

How an endpoint opts in::

    @router.post("/enrollments", status_code=201,
                 responses=problem_responses(400, 401, 409, 422))
    async def enroll(
        body: NewEnrollment,
        principal: Principal = require("learner"),   # declare auth *before* the key
        _: str | None = idempotency_key(required=True),
    ) -> Enrollment: ...

and the app is set up with ``install_idempotency(app, IdempotencyStore(db.engine))``
(``create_service_app(..., idempotency_store=...)`` does it).

The mechanism, in the service's own ``idempotency_keys`` table, keyed by
(principal subject, key):

1. The dependency hashes method, path, query and body, and claims the key with
   ``INSERT ... ON CONFLICT DO NOTHING`` *before* the handler runs, so of two concurrent
   duplicates exactly one proceeds.
2. If the key was already claimed: a finished row with the same hash is replayed
   (status, body, headers, plus ``Idempotent-Replayed: true``) without running the
   handler; a different hash is a 422; an unfinished row is a 409 (the first request is
   still in flight), unless it is older than ``in_flight_timeout`` — then its owner is
   presumed dead and this request takes the key over.
3. The middleware buffers the response of a request that holds a claim and records it
   *before* sending it, so any client that saw an answer can get it again. 4xx answers
   are stored (the same request would fail the same way); 5xx and crashes release the
   claim so a retry can succeed; 401/403 release it too, since they answer the
   credentials, not the request; so does any answer with ``Retry-After`` (429, or a
   "not yet" such as an offering the service has not heard of): it says that the
   same request may succeed later, which a stored answer would prevent.
   A released claim stays bound to its request: it is back-dated past the in-flight
   timeout, so a retry of the same request takes it over at once, while a different
   request under the key is still a 422. (The first attempt may have had effects, e.g.
   a refund Stripe made before the database failed: the key must keep naming it.)

Limit: the handler's own commit and the recording are two transactions. If the process
dies between them, a retry after ``in_flight_timeout`` runs the handler again, so
handlers should still guard their effect with a natural unique constraint.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from fastapi import Depends, FastAPI, Header, Request
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from credmarket_platform.auth.dependencies import optional_principal
from credmarket_platform.auth.principal import Principal
from credmarket_platform.db.tables import idempotency_keys
from credmarket_platform.http import problem_types
from credmarket_platform.http.contract import documents
from credmarket_platform.http.problems import ProblemError

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
ANONYMOUS = "anonymous"
MAX_KEY_LENGTH = 200

_SCOPE_SLOT = "credmarket.idempotency"
_STORE_ATTR = "idempotency_store"
# Per-hop or per-response headers: a replay gets fresh ones from the server.
_UNSTORED_HEADERS = frozenset({"content-length", "date", "server", "set-cookie", "connection"})
_NOT_STORED_4XX = frozenset({401, 403})


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: bytes
    headers: list[tuple[str, str]]

    def to_response(self) -> Response:
        response = Response(content=self.body, status_code=self.status_code)
        headers = MutableHeaders(raw=response.raw_headers)
        for name, value in self.headers:
            if name.lower() == "content-type":
                headers[name] = value
            else:
                headers.append(name, value)
        headers[REPLAYED_HEADER] = "true"
        response.raw_headers = headers.raw
        return response


@dataclass(frozen=True)
class Claim:
    principal: str
    key: str


class IdempotentReplay(Exception):
    """Short-circuits the endpoint with the stored answer (handled by install_idempotency)."""

    def __init__(self, stored: StoredResponse) -> None:
        super().__init__("idempotent replay")
        self.stored = stored


@dataclass
class _RequestSlot:
    claim: Claim | None = None
    settled: bool = False


# Every idempotent request runs these: built once, only bound per call. (The INSERT's
# VALUES and the UPDATE's SET are the columns the parameters name.)
_CLAIM = (
    pg_insert(idempotency_keys)
    .on_conflict_do_nothing(index_elements=[idempotency_keys.c.principal, idempotency_keys.c.key])
    .returning(idempotency_keys.c.key)
)
_THIS_KEY = sa.and_(
    idempotency_keys.c.principal == sa.bindparam("the_principal"),
    idempotency_keys.c.key == sa.bindparam("the_key"),
)
_ANSWER = sa.select(
    idempotency_keys.c.request_hash,
    idempotency_keys.c.status_code,
    idempotency_keys.c.response_body,
    idempotency_keys.c.response_headers,
).where(_THIS_KEY)
_RECORD = sa.update(idempotency_keys).where(_THIS_KEY)


class IdempotencyStore:
    def __init__(
        self, engine: AsyncEngine, *, in_flight_timeout: timedelta = timedelta(minutes=5)
    ) -> None:
        self.engine = engine
        # Every statement here stands alone (each guards itself in its WHERE), so it
        # runs without BEGIN/COMMIT: one round trip instead of three per statement,
        # on every idempotent request.
        self.autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.in_flight_timeout = in_flight_timeout

    async def claim(
        self, principal: str, key: str, method: str, path: str, request_hash: str
    ) -> Claim | StoredResponse:
        """Claim the key for this request, or return the answer to replay.

        Raises ProblemError 422 (key reused for another request) or 409 (in flight).
        """
        t = idempotency_keys
        this_key = {"the_principal": principal, "the_key": key}
        # A few rounds because the row can vanish between our INSERT and SELECT
        # (its owner failed and released it).
        for _ in range(3):
            async with self.autocommit.connect() as conn:
                inserted = await conn.execute(
                    _CLAIM,
                    {
                        "principal": principal,
                        "key": key,
                        "method": method,
                        "path": path,
                        "request_hash": request_hash,
                    },
                )
                if inserted.first() is not None:
                    return Claim(principal, key)
                row = (await conn.execute(_ANSWER, this_key)).first()
                if row is None:
                    continue
                if row.request_hash != request_hash:
                    raise ProblemError(
                        422,
                        "Idempotency key reused",
                        f"This {IDEMPOTENCY_HEADER} was already used for a different request; "
                        "use a new key for a new request.",
                        type_="urn:credmarket:problem:idempotency-key-reused",
                    )
                if row.status_code is not None:
                    return StoredResponse(
                        row.status_code,
                        bytes(row.response_body or b""),
                        [(str(k), str(v)) for k, v in (row.response_headers or [])],
                    )
                taken_over = await conn.execute(
                    sa.update(t)
                    .where(
                        _THIS_KEY,
                        t.c.status_code.is_(None),
                        t.c.created_at
                        < sa.func.now()
                        - sa.bindparam("timeout", self.in_flight_timeout, type_=sa.Interval),
                    )
                    .values(created_at=sa.func.now()),
                    this_key,
                )
                if taken_over.rowcount == 1:
                    return Claim(principal, key)
                raise ProblemError(
                    409,
                    "Request in progress",
                    f"A request with this {IDEMPOTENCY_HEADER} is still being processed; "
                    "retry shortly to get its answer.",
                    type_="urn:credmarket:problem:idempotency-key-in-flight",
                    headers={"Retry-After": "1"},
                )
        raise ProblemError(409, "Request in progress", "The key is contended; retry shortly.")

    async def record(self, claim: Claim, response: StoredResponse) -> None:
        async with self.autocommit.connect() as conn:
            await conn.execute(
                _RECORD,
                {
                    "the_principal": claim.principal,
                    "the_key": claim.key,
                    "status_code": response.status_code,
                    "response_body": response.body,
                    "response_headers": [list(h) for h in response.headers],
                },
            )

    async def release(self, claim: Claim) -> None:
        """Open the claim to a retry of the same request (and only of that request)."""
        t = idempotency_keys
        stale = sa.func.now() - sa.bindparam(
            "stale", self.in_flight_timeout + timedelta(seconds=1), type_=sa.Interval
        )
        async with self.autocommit.connect() as conn:
            await conn.execute(
                sa.update(t).where(_THIS_KEY, t.c.status_code.is_(None)).values(created_at=stale),
                {"the_principal": claim.principal, "the_key": claim.key},
            )


def request_fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), query.encode()):
        digest.update(part)
        digest.update(b"\n")
    digest.update(body)
    return digest.hexdigest()


def _scope_of(subject_id: str) -> str:
    # The column holds 200 characters; an issuer URL plus a long subject may not fit.
    if len(subject_id) <= 200:
        return subject_id
    return "sha256:" + hashlib.sha256(subject_id.encode()).hexdigest()


def _valid_key(key: str) -> bool:
    return 1 <= len(key) <= MAX_KEY_LENGTH and all(" " <= ch <= "~" for ch in key)


def idempotency_key(*, required: bool = True) -> Any:
    """Dependency opting an endpoint into Idempotency-Key handling.

    ``required=True``: a request without the header is a 400. ``required=False``: without
    the header the endpoint runs normally. Yields the key (or None).
    """

    async def dependency(
        request: Request,
        principal: Principal | None = Depends(optional_principal),
        key: str | None = Header(
            default=None,
            alias=IDEMPOTENCY_HEADER,
            description="Client-chosen unique key (1-200 printable ASCII characters, e.g. "
            "a UUID). A retry with the same key and body returns the first answer.",
        ),
    ) -> str | None:
        if key is None:
            if required:
                raise ProblemError(
                    400,
                    "Idempotency key required",
                    f"This endpoint requires an {IDEMPOTENCY_HEADER} header.",
                    type_="urn:credmarket:problem:idempotency-key-missing",
                )
            return None
        if not _valid_key(key):
            raise ProblemError(
                400,
                "Invalid idempotency key",
                f"{IDEMPOTENCY_HEADER} must be 1-{MAX_KEY_LENGTH} printable ASCII characters.",
                type_="urn:credmarket:problem:idempotency-key-invalid",
            )
        slot = request.scope.get(_SCOPE_SLOT)
        store = getattr(request.app.state, _STORE_ATTR, None)
        if not isinstance(slot, _RequestSlot) or not isinstance(store, IdempotencyStore):
            raise RuntimeError("idempotency is not installed; call install_idempotency(app, ...)")
        fingerprint = request_fingerprint(
            request.method, request.url.path, request.url.query, await request.body()
        )
        outcome = await store.claim(
            _scope_of(principal.subject_id) if principal else ANONYMOUS,
            key,
            request.method,
            request.url.path,
            fingerprint,
        )
        if isinstance(outcome, StoredResponse):
            raise IdempotentReplay(outcome)
        slot.claim = outcome
        return key

    documents(
        dependency,
        problems=[
            *([problem_types.IDEMPOTENCY_KEY_MISSING] if required else []),
            problem_types.IDEMPOTENCY_KEY_INVALID,
            problem_types.IDEMPOTENCY_KEY_IN_FLIGHT,
            problem_types.IDEMPOTENCY_KEY_REUSED,
        ],
        required_headers=[IDEMPOTENCY_HEADER] if required else [],
    )
    return Depends(dependency)


class IdempotencyMiddleware:
    """Records the answer of every request whose endpoint claimed an idempotency key."""

    def __init__(self, app: ASGIApp, store: IdempotencyStore) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        slot = _RequestSlot()
        scope[_SCOPE_SLOT] = slot
        start: Message | None = None
        chunks: list[bytes] = []

        async def send_wrapper(message: Message) -> None:
            nonlocal start
            if slot.claim is None:
                await send(message)
                return
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    assert start is not None
                    slot.settled = True
                    await self._finish(slot.claim, start, b"".join(chunks))
                    await send(start)
                    await send({"type": "http.response.body", "body": b"".join(chunks)})
                return
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except BaseException:
            if slot.claim is not None and not slot.settled:
                await self.store.release(slot.claim)
            raise

    async def _finish(self, claim: Claim, start: Message, body: bytes) -> None:
        status = int(start["status"])
        says_retry = any(k.lower() == b"retry-after" for k, _ in start.get("headers", []))
        if status >= 500 or status in _NOT_STORED_4XX or says_retry:
            await self.store.release(claim)
            return
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in start.get("headers", [])
            if k.decode("latin-1").lower() not in _UNSTORED_HEADERS
        ]
        await self.store.record(claim, StoredResponse(status, body, headers))


async def _handle_replay(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, IdempotentReplay)
    return exc.stored.to_response()


def install_idempotency(app: FastAPI, store: IdempotencyStore) -> None:
    setattr(app.state, _STORE_ATTR, store)
    app.add_exception_handler(IdempotentReplay, _handle_replay)
    app.add_middleware(IdempotencyMiddleware, store=store)
