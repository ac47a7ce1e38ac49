"""schemathesis against the service's own OpenAPI: no input makes it answer 5xx.

The app runs under uvicorn on its own thread and event loop (schemathesis calls are
synchronous), against a fresh database with migrations applied.
"""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import uvicorn
from credmarket_platform.auth import mint_token
from credmarket_platform.db.migrations import upgrade
from credmarket_testing.ports import free_port
from credmarket_testing.wait import wait_until_sync
from hypothesis import HealthCheck, settings
from issuance.app import create_app
from issuance.settings import IssuanceSettings
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.integration


@pytest.fixture
def issuance_server(
    database_url: str,
    topic_prefix: str,
    kafka_bootstrap: str,
    make_issuance_settings: Callable[..., Any],
    issuance_migrations: Path,
) -> Iterator[str]:
    upgrade(issuance_migrations, database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app_settings = make_issuance_settings(
        database_url, topic_prefix, kafka_bootstrap, public_base_url=base, run_consumer=False
    )
    app = create_app(app_settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    wait_until_sync(lambda: server.started, timeout=20, message="uvicorn did not start")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def _openapi_document() -> dict[str, Any]:
    # Only the document: the app is built but never started (no database, no broker).
    app = create_app(
        IssuanceSettings(
            kek=base64.b64encode(bytes(32)).decode(),
            jwt_dev_secret="schema-only-secret-0123456789abcdef",
            dev_mode=True,
            run_consumer=False,
            run_relay=False,
        ),
    )
    return app.openapi()


# From the document, not from_asgi: calls go over HTTP to the live server on its own
# loop; from_fixture is broken with this pytest (no Function._nodeid).
schema = schemathesis.openapi.from_dict(_openapi_document())


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_issuance_api_never_answers_5xx(case: Any, issuance_server: str) -> None:
    token = mint_token(
        "00000000-0000-4000-8000-000000000001",
        "ops",
        issuer="credmarket-dev",
        secret="integration-test-secret-0123456789abcdef",
    )
    case.call_and_validate(
        base_url=issuance_server,
        headers={"Authorization": f"Bearer {token}"},
        checks=[not_a_server_error],
    )
