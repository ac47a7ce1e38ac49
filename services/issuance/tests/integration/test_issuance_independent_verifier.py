"""A credential issued by the running service verifies with the independent verifier,
resolving did:web and the status list over real HTTP."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import uvicorn
from credmarket_events.catalog import ProviderRegisteredV1
from credmarket_events.enrollment import (
    CompletionResult,
    EnrollmentCompletedV1,
    EnrollmentRevokedV1,
)
from credmarket_events.testing import make_event
from credmarket_testing.ports import free_port
from credmarket_testing.wait import wait_until

pytestmark = pytest.mark.integration

_VERIFIER = Path(__file__).resolve().parents[1] / "verifier" / "independent_verifier.py"


def _independent_verifier() -> ModuleType:
    name = "independent_verifier"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _VERIFIER)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


async def test_service_credential_passes_the_independent_verifier(
    start_issuance: Any,
) -> None:
    iv = _independent_verifier()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with start_issuance(public_base_url=base) as h:
        server = uvicorn.Server(
            uvicorn.Config(h.app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
        )
        serving = asyncio.create_task(server.serve())
        try:
            await wait_until(lambda: server.started, timeout=10, message="uvicorn did not start")
            provider = make_event(ProviderRegisteredV1, name="Independent Academy")
            await h.produce(provider)
            event = make_event(
                EnrollmentCompletedV1,
                provider_id=provider.provider_id,
                result=CompletionResult(passed=True, score=80.0),
            )
            await h.produce(event)

            async with httpx.AsyncClient(base_url=base) as http:

                async def credential_url() -> str | None:
                    learner = h.auth("learner", str(event.learner_id))
                    page = (await http.get("/v1/credentials", headers=learner)).json()
                    items = page["items"]
                    return str(items[0]["credential_url"]) if items else None

                async def issued() -> bool:
                    return bool(await credential_url())

                await wait_until(issued, timeout=30, message="no credential issued")
                url = await credential_url()
                assert url is not None
                assert url.startswith(base)
                document = (await http.get(url)).json()

            fetched: list[str] = []

            def fetch(target: str) -> bytes:
                fetched.append(target)
                # The verifier is synchronous; a blocking client on a worker thread.
                response = httpx.get(target, timeout=10)
                response.raise_for_status()
                return response.content

            report = await asyncio.to_thread(iv.verify, document, fetch, scheme="http")
            assert report.valid, report.checks
            assert report.status == "valid"
            assert any(t.endswith("/did.json") for t in fetched)
            assert any("/status-lists/" in t for t in fetched)

            await h.produce(
                EnrollmentRevokedV1(
                    enrollment_id=event.enrollment_id,
                    learner_id=event.learner_id,
                    reason="refunded",
                    revoked_at=datetime.now(UTC),
                )
            )

            async def revoked() -> bool:
                result = await asyncio.to_thread(iv.verify, document, fetch, scheme="http")
                return bool(result.status == "revoked")

            await wait_until(
                revoked, timeout=30, message="independent verifier never saw revocation"
            )
            unknown = await asyncio.to_thread(
                iv.verify,
                {**document, "id": f"urn:uuid:{uuid.uuid4()}"},
                fetch,
                scheme="http",
            )
            assert unknown.checks["signature"][0] is False
        finally:
            server.should_exit = True
            await serving
