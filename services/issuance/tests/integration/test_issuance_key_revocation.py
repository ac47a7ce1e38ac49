"""Retire vs revoke: a leaked key leaves the DID document and signs nothing new (issue 19)."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any
from uuid import UUID

import pytest
from issuance.actions.keyring import unwrap
from issuance.credentials import signing
from issuance.db import repository

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


async def resigned_with(
    h: Harness, issuer_id: UUID, key_id: str, document: dict[str, Any], created: datetime
) -> dict[str, Any]:
    """``document`` signed again with one of the issuer's own (possibly old) keys."""
    async with h.db.unit_of_work() as uow:
        rows = {k.key_id: k for k in await repository.issuer_keys(uow.session, issuer_id)}
        key = unwrap(rows[key_id], h.app.state.runtime)
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    return signing.sign(
        unsigned, key.private_key, key.verification_method, created=created, proof_as_array=True
    )


async def test_a_retired_key_no_longer_verifies_new_proofs(harness: Harness) -> None:
    h = harness
    provider_id = await flow.register_provider(h)
    event = flow.completion(provider_id)
    await h.produce(event)
    credential = await flow.issued(h, event.enrollment_id)
    ops = h.auth("ops", str(uuid.uuid4()))
    rotated = await h.client.post(f"/v1/issuers/{provider_id}/keys/rotate", headers=ops)
    assert rotated.status_code == 201, rotated.text

    assert (await flow.verify(h, credential.document))["valid"] is True
    later = datetime.now(UTC) + timedelta(seconds=1)
    forged = await resigned_with(h, provider_id, "key-1", credential.document, later)
    report = await flow.verify(h, forged)
    assert report["valid"] is False, report
    assert next(c for c in report["checks"] if c["name"] == "issuer_key")["passed"] is False


async def test_revoking_the_signing_key_replaces_it_and_withdraws_it(harness: Harness) -> None:
    h = harness
    provider_id = await flow.register_provider(h)
    event = flow.completion(provider_id)
    await h.produce(event)
    credential = await flow.issued(h, event.enrollment_id)
    path = f"/v1/issuers/{provider_id}/keys/key-1/revoke"
    body = {"reason": "found in a public repository"}

    as_provider = await h.client.post(path, json=body, headers=h.auth("provider", str(provider_id)))
    assert as_provider.status_code == 403
    ops = h.auth("ops", str(uuid.uuid4()))
    missing = await h.client.post(
        f"/v1/issuers/{provider_id}/keys/key-9/revoke", json=body, headers=ops
    )
    assert missing.status_code == 404
    revoked = await h.client.post(path, json=body, headers=ops)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["replaced_by"] == "key-2"
    again = await h.client.post(path, json=body, headers=ops)
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]

    did = (await h.client.get(f"/issuers/{provider_id}/did.json")).json()
    assert [m["id"].rsplit("#", 1)[1] for m in did["verificationMethod"]] == ["key-2"]
    assert did["assertionMethod"] == [f"{did['id']}#key-2"]

    # Signed before the revocation: our verifier still accepts it.
    assert (await flow.verify(h, credential.document))["valid"] is True
    # What the thief signs now does not verify.
    # (Proof times have whole seconds: the next second is the first one surely after.)
    soon = datetime.now(UTC) + timedelta(seconds=1)
    forged = await resigned_with(h, provider_id, "key-1", credential.document, soon)
    assert (await flow.verify(h, forged))["valid"] is False
    # New credentials come from the replacement key and verify.
    after = flow.completion(provider_id)
    await h.produce(after)
    new = await flow.issued(h, after.enrollment_id)
    assert new.document["proof"][0]["verificationMethod"].endswith("#key-2")
    assert (await flow.verify(h, new.document))["valid"] is True


async def test_rotations_are_rate_limited_per_issuer(start_issuance: StartIssuance) -> None:
    async with start_issuance(key_rotations_per_day=2, max_issuer_keys=50) as h:
        provider_id = await flow.register_provider(h)
        other_id = await flow.register_provider(h, name="Other Academy")
        ops = h.auth("ops", str(uuid.uuid4()))
        answers = [
            (await h.client.post(f"/v1/issuers/{provider_id}/keys/rotate", headers=ops))
            for _ in range(3)
        ]
        assert [a.status_code for a in answers] == [201, 201, 429]
        assert answers[2].headers["content-type"].startswith("application/problem+json")
        assert int(answers[2].headers["retry-after"]) > 3600
        other = await h.client.post(f"/v1/issuers/{other_id}/keys/rotate", headers=ops)
        assert other.status_code == 201
        # A leaked signing key is replaced even past the daily limit.
        urgent = await h.client.post(
            f"/v1/issuers/{provider_id}/keys/key-3/revoke", json={"reason": "leak"}, headers=ops
        )
        assert urgent.status_code == 200, urgent.text
        did = (await h.client.get(f"/issuers/{provider_id}/did.json")).json()
        assert len(did["verificationMethod"]) == 3  # key-1, key-2, key-4; key-3 withdrawn
