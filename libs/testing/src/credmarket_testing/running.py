"""A whole marketplace for a test session or module, with its logs shown when a test failed."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
from credmarket_infra.gateway.settings import GatewaySettings, RateLimit

from credmarket_testing.infra import Infra
from credmarket_testing.system import System

# Every actor of the e2e tests calls from 127.0.0.1, and a purchase is retried while
# enrollment has not yet heard of a new offering: limits meant for one client would
# throttle a whole marketplace's worth of actors. tests/gateway tests the limits.
MARKETPLACE_LIMITS = GatewaySettings().with_(
    token_limit=RateLimit("600r/m", 200), purchase_limit=RateLimit("600r/m", 200)
)


@contextlib.asynccontextmanager
async def running_system(
    infra: Infra,
    request: pytest.FixtureRequest,
    *,
    gateway_settings: GatewaySettings = MARKETPLACE_LIMITS,
    logs: str = "e2e",
    **extra_env: str,
) -> AsyncIterator[System]:
    """The four services behind the gateway; their logs are printed if a test failed meanwhile."""
    running = System(
        infra,
        logs_dir=request.config.rootpath / ".stack" / "logs" / logs,
        gateway=True,
        gateway_settings=gateway_settings,
        extra_env=extra_env,
    )
    failures_before = request.session.testsfailed
    try:
        await running.start()
        yield running
    finally:
        if request.session.testsfailed > failures_before:
            # What the services said is the first thing to read when a flow broke.
            print(running.logs())
        await running.stop()
