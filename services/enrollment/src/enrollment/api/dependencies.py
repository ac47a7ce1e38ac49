"""What routes get from the app: the runtime it was built with, and the request's gateway
prefix."""

from __future__ import annotations

import re

from fastapi import Request

from enrollment.runtime import EnrollmentRuntime


async def get_runtime(request: Request) -> EnrollmentRuntime:
    runtime = request.app.state.runtime
    assert isinstance(runtime, EnrollmentRuntime)
    return runtime


_PREFIX = re.compile(r"^(/[a-z][a-z0-9-]{0,30})?\Z")


async def get_gateway_prefix(request: Request) -> str:
    """The gateway's path prefix for this service (`X-Forwarded-Prefix`, e.g. /enrollment),
    so links in answers are paths a client can follow at the origin it called."""
    prefix = request.headers.get("x-forwarded-prefix", "")
    return prefix if _PREFIX.match(prefix) else ""
