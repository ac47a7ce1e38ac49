"""The gateway in front of the real services: one `System(gateway=True)` for these tests,
with limits tight enough to trip and recover within seconds, and two tiny static
servers (two origins) for the browser: one the gateway allows, one it does not."""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from credmarket_infra.demo.client import Marketplace
from credmarket_infra.demo.routes import Routes
from credmarket_infra.gateway.nginx_target import STATIC_DIR
from credmarket_infra.gateway.settings import GatewaySettings, RateLimit
from credmarket_testing.infra import Infra
from credmarket_testing.system import System
from credmarket_testing.wait import wait_until

# Tight enough to trip with a handful of requests and refill within a couple of seconds.
TEST_LIMITS = {
    "token_limit": RateLimit("60r/m", 2),
    "purchase_limit": RateLimit("60r/m", 2),
    "verify_limit": RateLimit("2r/s", 3),
}


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass(frozen=True)
class Origins:
    allowed: str
    disallowed: str


def _serve(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="session")
def page_origins() -> Iterator[Origins]:
    """The frontend's page, served from two other origins than the gateway's."""
    allowed_server, allowed = _serve(STATIC_DIR)
    disallowed_server, disallowed = _serve(STATIC_DIR)
    try:
        yield Origins(allowed=allowed, disallowed=disallowed)
    finally:
        for server in (allowed_server, disallowed_server):
            server.shutdown()
            server.server_close()


@pytest.fixture(scope="session")
async def system(
    infra: Infra, page_origins: Origins, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    settings = GatewaySettings(cors_origins=(page_origins.allowed,), **TEST_LIMITS)  # type: ignore[arg-type]
    s = System(
        infra=infra,
        logs_dir=tmp_path_factory.mktemp("gateway-system"),
        gateway=True,
        gateway_settings=settings,
    )
    try:
        await s.start()
    except BaseException:
        print(s.logs())
        await s.stop()
        raise
    try:
        yield s
    finally:
        await s.stop()


@pytest.fixture(scope="session")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30.0) as client:
        yield client


@pytest.fixture(scope="session")
def direct(system: System, http: httpx.AsyncClient) -> Marketplace:
    """Setup straight to the services (past the gateway and its rate limits)."""
    services = {
        name: system.url(name) for name in ("catalog", "enrollment", "payments", "issuance")
    }
    return Marketplace(Routes(services=services), http)


@pytest.fixture(scope="session")
def via_gateway(system: System, http: httpx.AsyncClient) -> Marketplace:
    return Marketplace(Routes(gateway=system.gateway_url), http)


@dataclass(frozen=True)
class PublishedOffering:
    id: str
    version: int
    title: str
    provider_token: str


@pytest.fixture(scope="session")
async def offering(system: System, direct: Marketplace) -> PublishedOffering:
    """A paid offering, published, and known to enrollment (its read model has it)."""
    registered = await direct.register_provider(
        system.token("ops"), "Gateway Academy", "courses@gateway.example"
    )
    provider = await direct.provider_token(registered["api_key"]["key"])
    title = f"Edge Routing {uuid.uuid4().hex[:8]}"
    published = await direct.publish_offering(provider, title, price=4900)
    offering_id, version = str(published["id"]), int(published["version"])

    async def enrollment_knows_it() -> bool:
        rows = await system.query(
            "enrollment",
            "SELECT 1 FROM offering_versions WHERE offering_id = $1 AND version = $2",
            uuid.UUID(offering_id),
            version,
        )
        return bool(rows)

    async def searchable() -> bool:
        return any(item["id"] == offering_id for item in await direct.search(title))

    await wait_until(enrollment_knows_it, timeout=30, message="enrollment never saw the offering")
    await wait_until(searchable, timeout=30, message="catalog search never found the offering")
    return PublishedOffering(offering_id, version, title, provider)


@dataclass(frozen=True)
class IssuedCredential:
    id: str
    issuer_id: str
    status_list_path: str


@pytest.fixture(scope="session")
async def issued_credential(system: System, direct: Marketplace) -> IssuedCredential:
    """A credential issued for a free course: bought, completed, signed."""
    registered = await direct.register_provider(
        system.token("ops"), "Public Documents Academy", "desk@documents.example"
    )
    provider = await direct.provider_token(registered["api_key"]["key"])
    published = await direct.publish_offering(provider, f"Free {uuid.uuid4().hex[:8]}", price=0)
    learner = system.token("learner", email="grace@learners.example")
    bought = await direct.purchase_when_listed(learner, str(published["id"]), published["version"])
    assert bought.status_code in (201, 202), bought.text
    enrollment_id = str(bought.json()["id"])
    await direct.wait_for_enrollment(learner, enrollment_id, lambda v: v["status"] == "active")
    await direct.report_completion(provider, enrollment_id)
    view = await direct.wait_for_enrollment(
        learner,
        enrollment_id,
        lambda v: v.get("credential") is not None,
        timeout_s=60,
        what="the credential",
    )
    credential_id = str(view["credential"]["credential_id"])
    document = await direct.fetch_credential(credential_id)
    status = document["credentialStatus"]
    entry = status[0] if isinstance(status, list) else status
    return IssuedCredential(
        id=credential_id,
        issuer_id=str(document["issuer"]["id"]).rsplit(":", 1)[-1],
        status_list_path=urlsplit(entry["statusListCredential"]).path,
    )
