"""Request-scoped access to the runtime the app was built with."""

from __future__ import annotations

from fastapi import Request

from payments.runtime import Runtime

RUNTIME_ATTR = "payments_runtime"


async def get_runtime(request: Request) -> Runtime:
    runtime = getattr(request.app.state, RUNTIME_ATTR, None)
    if not isinstance(runtime, Runtime):
        raise RuntimeError("the payments runtime is not installed on app.state")
    return runtime
