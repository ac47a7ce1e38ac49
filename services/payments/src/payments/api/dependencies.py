"""What routes get from the app: the runtime it was built with."""

from __future__ import annotations

from fastapi import Request

from payments.runtime import PaymentsRuntime


async def get_runtime(request: Request) -> PaymentsRuntime:
    runtime = request.app.state.runtime
    assert isinstance(runtime, PaymentsRuntime)
    return runtime
