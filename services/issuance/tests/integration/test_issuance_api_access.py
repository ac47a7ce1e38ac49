"""Who may do what: owners, providers, ops; ops revocation; key rotation."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest
from credmarket_events.issuance import CredentialRevokedV1
from credmarket_events.testing import assert_valid_event

if TYPE_CHECKING:
    from conftest import Harness


def _flow() -> ModuleType:
    # Shared helpers of the flow tests (importlib mode: load them by path).
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


async def test_credentials_api_needs_a_token(harness: Harness) -> None:
    h = harness
    for path in ("/v1/credentials", f"/v1/credentials/{uuid.uuid4()}"):
        response = await h.client.get(path)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
    response = await h.client.post(f"/v1/credentials/{uuid.uuid4()}/revoke", json={"reason": "x"})
    assert response.status_code == 401


async def test_learners_see_only_their_own(harness: Harness) -> None:
    h = harness
    provider_id = await flow.register_provider(h)
    mine = flow.completion(provider_id)
    theirs = flow.completion(provider_id)
    await h.produce(mine)
    await h.produce(theirs)
    my_credential = await flow.issued(h, mine.enrollment_id)
    their_credential = await flow.issued(h, theirs.enrollment_id)
    me = h.auth("learner", str(mine.learner_id))

    listing = await h.client.get("/v1/credentials", headers=me)
    assert listing.status_code == 200
    assert [c["id"] for c in listing.json()["items"]] == [str(my_credential.id)]
    assert (
        await h.client.get(f"/v1/credentials/{my_credential.id}", headers=me)
    ).status_code == 200
    other = await h.client.get(f"/v1/credentials/{their_credential.id}", headers=me)
    assert other.status_code == 404
    spying = await h.client.get(f"/v1/credentials?learner_id={theirs.learner_id}", headers=me)
    assert spying.status_code == 403

    ops = h.auth("ops", str(uuid.uuid4()))
    everyone = await h.client.get("/v1/credentials", headers=ops)
    assert {c["id"] for c in everyone.json()["items"]} == {
        str(my_credential.id),
        str(their_credential.id),
    }
    filtered = await h.client.get(f"/v1/credentials?learner_id={theirs.learner_id}", headers=ops)
    assert [c["id"] for c in filtered.json()["items"]] == [str(their_credential.id)]

    own_provider = h.auth("provider", str(provider_id))
    issued_by_me = await h.client.get("/v1/credentials", headers=own_provider)
    assert len(issued_by_me.json()["items"]) == 2
    other_provider = h.auth("provider", str(uuid.uuid4()))
    assert (await h.client.get("/v1/credentials", headers=other_provider)).json()["items"] == []
    hidden = await h.client.get(f"/v1/credentials/{my_credential.id}", headers=other_provider)
    assert hidden.status_code == 404


async def test_ops_revoke_with_reason(harness: Harness) -> None:
    h = harness
    provider_id = await flow.register_provider(h)
    event = flow.completion(provider_id)
    await h.produce(event)
    credential = await flow.issued(h, event.enrollment_id)
    path = f"/v1/credentials/{credential.id}/revoke"

    learner = h.auth("learner", str(event.learner_id))
    assert (await h.client.post(path, json={"reason": "mine"}, headers=learner)).status_code == 403
    ops = h.auth("ops", str(uuid.uuid4()))
    blank = await h.client.post(path, json={"reason": "   "}, headers=ops)
    assert blank.status_code == 422
    missing = await h.client.post(
        f"/v1/credentials/{uuid.uuid4()}/revoke", json={"reason": "x"}, headers=ops
    )
    assert missing.status_code == 404

    keyed = {**ops, "Idempotency-Key": "revoke-1"}
    response = await h.client.post(path, json={"reason": "issued in error"}, headers=keyed)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "revoked"
    assert response.json()["revocation_reason"] == "issued in error"
    replay = await h.client.post(path, json={"reason": "issued in error"}, headers=keyed)
    assert replay.status_code == 200
    assert replay.headers.get("Idempotent-Replayed") == "true"
    again = await h.client.post(path, json={"reason": "twice"}, headers=ops)
    assert again.status_code == 409

    messages = await flow.credential_events(h, 2)
    revoked = assert_valid_event(messages[1], CredentialRevokedV1).data
    assert revoked.credential_id == credential.id
    assert revoked.reason == "issued in error"
    report = await flow.verify(h, credential.document)
    assert report["status"] == "revoked"


async def test_key_rotation_keeps_old_credentials_valid(harness: Harness) -> None:
    h = harness
    provider_id = await flow.register_provider(h)
    before = flow.completion(provider_id)
    await h.produce(before)
    old = await flow.issued(h, before.enrollment_id)
    path = f"/v1/issuers/{provider_id}/keys/rotate"

    stranger = h.auth("provider", str(uuid.uuid4()))
    assert (await h.client.post(path, headers=stranger)).status_code == 403
    learner = h.auth("learner", str(uuid.uuid4()))
    assert (await h.client.post(path, headers=learner)).status_code == 403
    ops = h.auth("ops", str(uuid.uuid4()))
    unknown = await h.client.post(f"/v1/issuers/{uuid.uuid4()}/keys/rotate", headers=ops)
    assert unknown.status_code == 404

    rotated = await h.client.post(path, headers=h.auth("provider", str(provider_id)))
    assert rotated.status_code == 201, rotated.text
    assert rotated.json()["key_id"] == "key-2"
    assert rotated.json()["retired_key_id"] == "key-1"
    did = (await h.client.get(f"/issuers/{provider_id}/did.json")).json()
    assert did["assertionMethod"] == [f"{did['id']}#key-1", f"{did['id']}#key-2"]

    after = flow.completion(provider_id)
    await h.produce(after)
    new = await flow.issued(h, after.enrollment_id)
    assert new.document["proof"][0]["verificationMethod"].endswith("#key-2")
    assert old.document["proof"][0]["verificationMethod"].endswith("#key-1")
    for credential in (old, new):
        report = await flow.verify(h, credential.document)
        assert report["valid"] is True, report
