"""What routes get from the app: the runtime it was built with, and the request's gateway
prefix."""

from __future__ import annotations

import re
from collections.abc import Callable

from credmarket_events.base import EventData
from credmarket_events.envelope import Envelope
from credmarket_platform.db.unit_of_work import UnitOfWork
from credmarket_platform.observability.logging import correlation_id_var
from fastapi import Request

from enrollment.runtime import SOURCE, EnrollmentRuntime


async def get_runtime(request: Request) -> EnrollmentRuntime:
    runtime = request.app.state.runtime
    assert isinstance(runtime, EnrollmentRuntime)
    return runtime


def emitter(uow: UnitOfWork) -> Callable[[EventData], None]:
    """Emit into ``uow``, continuing the request's correlation id."""

    def emit(data: EventData) -> None:
        uow.emit(Envelope(data=data, source=SOURCE, correlation_id=correlation_id_var.get() or ""))

    return emit


_PREFIX = re.compile(r"^(/[a-z][a-z0-9-]{0,30})?\Z")


def get_gateway_prefix(request: Request) -> str:
    """The gateway's path prefix for this service (`X-Forwarded-Prefix`, e.g. /enrollment),
    so links in answers are paths a client can follow at the origin it called."""
    prefix = request.headers.get("x-forwarded-prefix", "")
    return prefix if _PREFIX.match(prefix) else ""
