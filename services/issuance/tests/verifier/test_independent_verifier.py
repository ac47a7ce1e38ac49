"""Credentials issued by the core verify with the independent verifier, and only then."""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from issuance.credentials import did_web, ob3, signing, status_list
from issuance.credentials.keys import generate_private_key, public_key_multibase

BASE_URL = "http://127.0.0.1:8004"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
LIST_URL = f"{BASE_URL}/issuers/acme/status/1"


class World:
    """An issuer and the in-memory web the verifier fetches from."""

    def __init__(self) -> None:
        self.did = did_web.issuer_did(BASE_URL, "acme")
        self.keys = {"key-1": generate_private_key()}
        self.current = "key-1"
        self.bits = status_list.StatusList()
        self.web: dict[str, bytes] = {}
        self.publish()

    def publish(self) -> None:
        document = did_web.build_did_document(
            self.did,
            [
                did_web.IssuerKey(k, public_key_multibase(v.public_key()))
                for k, v in self.keys.items()
            ],
        )
        self.web[did_web.did_document_url(self.did)] = json.dumps(document).encode()
        unsigned = status_list.build_status_list_credential(
            list_url=LIST_URL, issuer=self.did, status_list=self.bits, valid_from=NOW
        )
        signed = signing.sign(unsigned, self.keys[self.current], f"{self.did}#{self.current}")
        self.web[LIST_URL] = json.dumps(signed).encode()

    def fetch(self, url: str) -> bytes:
        return self.web[url]

    def issue(self, valid_until: datetime | None = None) -> dict[str, Any]:
        index = status_list.allocate_index(set(), random.Random(3).randrange)
        credential = ob3.build_open_badge_credential(
            credential_id="urn:uuid:6a1f0b8e-3c55-4f1e-9f0e-2b7c1d9e8a11",
            issuer=ob3.IssuerProfile(id=self.did, name="Acme", url="https://acme.example"),
            achievement=ob3.AchievementInfo(
                id="https://acme.example/achievements/sql",
                name="SQL Basics",
                description="Queries relational data.",
                criteria_narrative="Passed the final exam.",
            ),
            recipient=ob3.Recipient(email="a@b.example"),
            valid_from=NOW - timedelta(days=1),
            valid_until=valid_until,
            score=ob3.ScoreResult(value="B", result_type="LetterGrade"),
            credential_status=status_list.build_status_entry(LIST_URL, index),
        )
        return ob3.sign_open_badge(
            credential, self.keys[self.current], f"{self.did}#{self.current}"
        )


@pytest.fixture
def world() -> World:
    return World()


def _verify(iv: ModuleType, world: World, credential: dict[str, Any], now: datetime = NOW) -> Any:
    return iv.verify(credential, world.fetch, now=now, scheme="http")


def test_core_credential_verifies_independently(iv: ModuleType, world: World) -> None:
    report = _verify(iv, world, world.issue())
    assert report.valid, report.checks
    assert report.status == "valid"


def test_tampered_credential_fails_independently(iv: ModuleType, world: World) -> None:
    credential = world.issue()
    credential["credentialSubject"]["achievement"]["name"] = "SQL Wizard"
    report = _verify(iv, world, credential)
    assert not report.checks["signature"][0]
    assert report.status == "invalid"


def test_undefined_term_fails_independently(iv: ModuleType, world: World) -> None:
    credential = world.issue()
    credential["credentialSubject"]["honours"] = True
    assert _verify(iv, world, credential).status == "invalid"


def test_revocation_seen_independently(iv: ModuleType, world: World) -> None:
    credential = world.issue()
    world.bits.set(int(credential["credentialStatus"]["statusListIndex"]))
    world.publish()
    assert _verify(iv, world, credential).status == "revoked"


def test_expiry_seen_independently(iv: ModuleType, world: World) -> None:
    credential = world.issue(valid_until=NOW + timedelta(days=1))
    assert _verify(iv, world, credential, NOW + timedelta(days=2)).status == "expired"


def test_rotation_seen_independently(iv: ModuleType, world: World) -> None:
    old = world.issue()
    world.keys["key-2"] = generate_private_key()
    world.current = "key-2"
    world.publish()
    new = world.issue()
    assert _verify(iv, world, old).valid
    assert _verify(iv, world, new).valid
    dropped = copy.deepcopy(world)
    del dropped.keys["key-1"]
    dropped.publish()
    assert _verify(iv, dropped, old).status == "invalid"


def test_w3c_vector_verifies_independently(iv: ModuleType) -> None:
    vector_file = Path(__file__).parents[1] / "unit" / "vectors" / "w3c_vc_di_eddsa_rdfc_2022.json"
    vector = json.loads(vector_file.read_text("utf-8"))
    loader = iv.Loader(vector["extraContexts"])
    key = iv.multikey_to_public_key(vector["keyPair"]["publicKeyMultibase"])
    iv.verify_proof(vector["signed"], key, loader)
    broken = copy.deepcopy(vector["signed"])
    broken["name"] = "Forged"
    with pytest.raises(ValueError, match="signature"):
        iv.verify_proof(broken, key, loader)
