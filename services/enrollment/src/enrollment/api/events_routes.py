"""GET /v1/enrollments/{id}/events: the learner's live status, as Server-Sent Events.

Each message is one stored update (`id:` its sequence number, `event:` its kind,
`data:` JSON); a client that reconnects with `Last-Event-ID` gets what it missed and
then what happens next. A stream ends after `live_max_stream_s` (the client reconnects,
as EventSource does by itself) so that no connection is held forever. ADR 0026.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from credmarket_platform.auth import Principal, require
from credmarket_platform.db.database import Database
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import StreamingResponse

from enrollment.api import access
from enrollment.api.dependencies import get_runtime
from enrollment.db import repository
from enrollment.db.live_updates import UpdatesHub
from enrollment.runtime import EnrollmentRuntime
from enrollment.settings import EnrollmentSettings

router = APIRouter(prefix="/v1/enrollments", tags=["enrollments"])

EVENT_STREAM = "text/event-stream"
BATCH = 100
# How long EventSource waits before reconnecting after the stream ends.
RETRY_MS = 1000
KINDS = (
    "enrollment.requested",
    "payment.initiated",
    "payment.failed",
    "enrollment.activated",
    "enrollment.completed",
    "enrollment.cancelled",
    "enrollment.revoked",
    "credential.issued",
    "credential.revoked",
)
_DESCRIPTION = (
    "Server-Sent Events of one enrollment, for its learner: "
    + ", ".join(f"`{k}`" for k in KINDS)
    + ". Each `data:` is JSON with `enrollment_id`, `status` (after the change) and the "
    "details of the kind (`client_secret` on `payment.initiated`; `reason`, `decline_code` "
    "on `payment.failed`; `credential_url`, `share_url` on `credential.issued`). From the "
    "first change unless `Last-Event-ID` names the last one seen. Comments (`: keep-alive`) "
    "keep the connection open; the stream ends after a while, and the client reconnects "
    "with `Last-Event-ID`. A browser's EventSource cannot send `Authorization`: read it "
    "with fetch() (ADR 0026)."
)


def _message(update_id: int, kind: str, data: dict[str, Any]) -> str:
    return f"id: {update_id}\nevent: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


@router.get(
    "/{enrollment_id}/events",
    summary="Live status of one enrollment (Server-Sent Events; its learner)",
    description=_DESCRIPTION,
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "An event stream",
            "content": {EVENT_STREAM: {"schema": {"type": "string"}}},
        },
        **problem_responses(pt.NOT_FOUND, pt.OVERLOADED),
    },
)
async def enrollment_events(
    enrollment_id: UUID,
    request: Request,
    principal: Principal = require("learner"),
    last_event_id: int | None = Header(
        default=None,
        alias="Last-Event-ID",
        ge=0,
        description="The `id:` of the last event received; the stream resumes after it.",
    ),
    runtime: EnrollmentRuntime = Depends(get_runtime),
) -> StreamingResponse:
    async with runtime.db.unit_of_work() as uow:
        e = await repository.load(uow.session, enrollment_id)
    if e is None or not access.can_see(principal, e):
        raise access.not_found(enrollment_id)
    hub = runtime.updates
    if hub.full:
        raise ProblemError(
            503,
            detail="this instance holds as many live streams as it may; retry shortly",
            type_=pt.OVERLOADED.type,
            headers={"Retry-After": "5"},
        )
    return StreamingResponse(
        _stream(request, runtime.db, hub, runtime.settings, enrollment_id, last_event_id or 0),
        media_type=EVENT_STREAM,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _stream(
    request: Request,
    db: Database,
    hub: UpdatesHub,
    cfg: EnrollmentSettings,
    enrollment_id: UUID,
    last: int,
) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + cfg.live_max_stream_s
    with hub.subscribe(str(enrollment_id)) as woken:
        yield f"retry: {RETRY_MS}\n\n"
        while True:
            # Cleared before reading: a change committed while we read wakes us again.
            woken.clear()
            async with db.unit_of_work() as uow:
                rows = await repository.updates_after(uow.session, enrollment_id, last, BATCH)
            for update_id, kind, data in rows:
                yield _message(update_id, kind, data)
                last = update_id
            if len(rows) == BATCH:
                continue
            remaining = ends_at - loop.time()
            if remaining <= 0 or await request.is_disconnected():
                return
            try:
                await asyncio.wait_for(woken.wait(), min(cfg.live_heartbeat_s, remaining))
            except TimeoutError:
                yield ": keep-alive\n\n"
