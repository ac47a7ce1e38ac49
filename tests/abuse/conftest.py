"""A running marketplace to abuse (issue 19): the four services and the gateway, as
separate processes, with memory read from /proc and a credential issued to attack with."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from credmarket_infra.demo.client import Marketplace
from credmarket_infra.demo.routes import Routes
from credmarket_infra.gateway.settings import GatewaySettings, RateLimit
from credmarket_testing.actors import Learner, Provider, buy, new_learner, new_provider
from credmarket_testing.infra import Infra
from credmarket_testing.running import running_system
from credmarket_testing.system import SERVICE_NAMES, System


@pytest.fixture(scope="session")
async def system(infra: Infra, request: pytest.FixtureRequest) -> AsyncIterator[System]:
    # The abuse is meant to reach the services: limits high enough that the gateway does
    # not absorb it (issue 19: "the gateway's rate limit does not help"); tests/gateway
    # tests the limits themselves.
    generous = RateLimit("6000r/m", 1000)
    limits = GatewaySettings().with_(
        token_limit=generous,
        purchase_limit=generous,
        verify_limit=RateLimit("1000r/s", 1000),
    )
    async with running_system(infra, request, gateway_settings=limits, logs="abuse") as running:
        yield running


@pytest.fixture(scope="session")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=60) as client:
        yield client


@pytest.fixture(scope="session")
def market(system: System, http: httpx.AsyncClient) -> Marketplace:
    routes = Routes(
        services={name: system.url(name) for name in SERVICE_NAMES}, gateway=system.gateway_url
    )
    return Marketplace(routes, http)


@pytest.fixture(scope="session")
async def provider(system: System, market: Marketplace) -> Provider:
    return await new_provider(system, market)


@dataclass(frozen=True)
class Issued:
    learner: Learner
    enrollment_id: str
    credential_id: str
    document: dict[str, Any]


@pytest.fixture(scope="session")
async def issued(system: System, market: Marketplace, provider: Provider) -> Issued:
    """A credential issued through the whole system (a free course, completed)."""
    learner = new_learner(system)
    offering = await market.publish_offering(
        provider.token, f"Abuse {uuid.uuid4().hex[:6]}", price=0
    )
    enrollment = await buy(market, learner, offering)
    await market.wait_for_enrollment(
        learner.token, enrollment["id"], lambda v: v["status"] == "active", what="activation"
    )
    await market.report_completion(provider.token, enrollment["id"])
    view = await market.wait_for_enrollment(
        learner.token,
        enrollment["id"],
        lambda v: v.get("credential") is not None,
        timeout_s=60,
        what="the credential",
    )
    credential_id = str(view["credential"]["credential_id"])
    document = await market.fetch_credential(credential_id)
    return Issued(learner, enrollment["id"], credential_id, document)
