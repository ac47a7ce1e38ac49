"""What routes get from the app: the runtime it was built with."""

from __future__ import annotations

from fastapi import Request

from catalog.runtime import CatalogRuntime


async def get_runtime(request: Request) -> CatalogRuntime:
    runtime = request.app.state.runtime
    assert isinstance(runtime, CatalogRuntime)
    return runtime
