"""One running marketplace (four service processes behind the gateway) for the e2e tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from credmarket_infra.demo.client import Marketplace
from credmarket_infra.demo.routes import Routes
from credmarket_testing.actors import Learner, Provider, new_learner, new_provider
from credmarket_testing.infra import Infra
from credmarket_testing.running import running_system
from credmarket_testing.system import SERVICE_NAMES, System


@pytest.fixture(scope="session")
async def system(infra: Infra, request: pytest.FixtureRequest) -> AsyncIterator[System]:
    async with running_system(infra, request) as running:
        yield running


@pytest.fixture
async def market(system: System) -> AsyncIterator[Marketplace]:
    routes = Routes(
        services={name: system.url(name) for name in SERVICE_NAMES}, gateway=system.gateway_url
    )
    async with httpx.AsyncClient(timeout=30) as http:
        yield Marketplace(routes, http)


@pytest.fixture
async def provider(system: System, market: Marketplace) -> Provider:
    return await new_provider(system, market)


@pytest.fixture
def learner(system: System) -> Learner:
    return new_learner(system)
