"""The public issuance surface under crafted input (issue 19): bounded, 4xx, private."""

from __future__ import annotations

import importlib.util
import json
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest
from credmarket_events.catalog import ProviderRegisteredV1
from credmarket_events.testing import make_event
from credmarket_testing.wait import wait_until
from issuance.credentials.document_loader import VC_V2, default_loader

if TYPE_CHECKING:
    from conftest import Harness, StartIssuance


def _flow() -> ModuleType:
    name = "issuance_flow_helpers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).with_name("test_issuance_flow.py")
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


flow = _flow()
pytestmark = pytest.mark.integration


def with_fragment_contexts(document: dict[str, Any], tag: str, entries: int) -> dict[str, Any]:
    """The issue's request: evidence whose contexts are the VC context plus unique fragments."""
    crafted: dict[str, Any] = json.loads(json.dumps(document))
    crafted["evidence"] = [
        {
            "@context": [f"{VC_V2}#{tag}-{i}-{j}" for j in range(11)],
            "type": ["Evidence"],
            "name": f"e{i}",
        }
        for i in range(entries)
    ]
    return crafted


def loader_entries() -> int:
    loader = default_loader()
    return len(loader._remote_docs) + len(loader._resolved) + len(loader.context_memo)


async def test_fragment_contexts_are_refused_and_cache_nothing(harness: Harness) -> None:
    h = harness
    provider_id = await flow.register_provider(h)
    event = flow.completion(provider_id)
    await h.produce(event)
    credential = await flow.issued(h, event.enrollment_id)
    # Warm the caches with the credential's own (legitimate) shape first.
    assert (await flow.verify(h, credential.document))["valid"] is True
    before = loader_entries()

    for request in range(5):
        crafted = with_fragment_contexts(credential.document, f"r{request}", 30)
        response = await h.client.post("/v1/verify", json=crafted)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"] == "urn:credmarket:problem:unknown-context"

    look_alikes = [f"{VC_V2}/", VC_V2.upper(), VC_V2.replace("https", "http"), f"{VC_V2}?x=1"]
    for url in look_alikes:
        crafted = {**credential.document, "@context": [url, *credential.document["@context"][1:]]}
        response = await h.client.post("/v1/verify", json=crafted)
        assert response.status_code == 422, (url, response.text)
    assert loader_entries() == before


async def _chunks(total: int) -> AsyncIterator[bytes]:
    # A JSON object of ``total`` bytes, streamed without a Content-Length.
    yield b'{"pad": "'
    sent = 11
    while sent < total:
        piece = min(8192, total - sent)
        yield b"x" * piece
        sent += piece
    yield b'"}'


async def test_verify_counts_the_bytes_it_reads(start_issuance: StartIssuance) -> None:
    async with start_issuance(max_verify_body_bytes=20_000) as h:
        chunked = await h.client.post(
            "/v1/verify", content=_chunks(50_000), headers={"content-type": "application/json"}
        )
        assert chunked.status_code == 413, chunked.text
        assert chunked.headers["content-type"].startswith("application/problem+json")
        assert "20000" in chunked.json()["detail"]

        understated = await h.client.post(
            "/v1/verify",
            content=b'{"pad": "' + b"x" * 30_000 + b'"}',
            headers={"content-type": "application/json", "content-length": "100"},
        )
        assert understated.status_code in (400, 413), understated.text

        small = await h.client.post(
            "/v1/verify", content=_chunks(5_000), headers={"content-type": "application/json"}
        )
        assert small.status_code == 200, small.text
        assert small.json()["valid"] is False

        for bad in (b"{", b"[" * 10_000, b"\xff\xfe"):
            answer = await h.client.post(
                "/v1/verify", content=bad, headers={"content-type": "application/json"}
            )
            assert answer.status_code in (400, 422), (bad[:5], answer.text)


async def test_credentials_and_profiles_do_not_publish_the_contact_email(
    harness: Harness,
) -> None:
    h = harness
    event = make_event(ProviderRegisteredV1, contact_email="private-desk@acme.example")
    await h.produce(event)
    path = f"/issuers/{event.provider_id}"
    await wait_until(
        lambda: flow._status(h, f"{path}/did.json", 200), timeout=30, message="no issuer"
    )
    profile = await h.client.get(path)
    assert profile.status_code == 200
    assert "private-desk@acme.example" not in profile.text
    assert "email" not in profile.json()

    completed = flow.completion(event.provider_id)
    await h.produce(completed)
    credential = await flow.issued(h, completed.enrollment_id)
    served = await h.client.get(f"/credentials/{credential.id}")
    assert "private-desk@acme.example" not in served.text
    page = await h.client.get(f"/credentials/{credential.id}/share")
    assert "private-desk@acme.example" not in page.text


async def test_public_documents_carry_no_cors_header_of_their_own(harness: Harness) -> None:
    # CORS is the gateway's (ADR 0024): a second Access-Control-Allow-Origin from the
    # service made browsers refuse credentials fetched from a frontend.
    h = harness
    provider_id = await flow.register_provider(h)
    origin = {"Origin": "https://app.example"}
    for path in (f"/issuers/{provider_id}/did.json", f"/issuers/{provider_id}"):
        response = await h.client.get(path, headers=origin)
        assert response.status_code == 200
        assert "access-control-allow-origin" not in response.headers
    missing = await h.client.get(f"/credentials/{uuid.uuid4()}", headers=origin)
    assert "access-control-allow-origin" not in missing.headers
