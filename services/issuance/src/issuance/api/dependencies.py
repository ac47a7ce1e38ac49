"""What routes get from the app: the runtime it was built with, and a unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator

from credmarket_platform.db import UnitOfWork
from fastapi import Depends, Request

from issuance.runtime import IssuanceRuntime


async def get_runtime(request: Request) -> IssuanceRuntime:
    runtime = request.app.state.runtime
    assert isinstance(runtime, IssuanceRuntime)
    return runtime


async def get_unit_of_work(
    rt: IssuanceRuntime = Depends(get_runtime),
) -> AsyncIterator[UnitOfWork]:
    async with rt.db.unit_of_work() as uow:
        yield uow
