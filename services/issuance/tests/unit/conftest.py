"""Fixtures: an issuer with a did:web, its keys, and a signed credential."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from issuance.credentials import did_web, ob3, signing, status_list
from issuance.credentials.keys import generate_private_key, public_key_multibase

BASE_URL = "http://127.0.0.1:8004"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@dataclass
class Issuer:
    """An issuer plus an in-memory 'web' serving its DID document and status list."""

    did: str
    keys: dict[str, Ed25519PrivateKey]
    current: str
    status: status_list.StatusList = field(default_factory=status_list.StatusList)
    web: dict[str, bytes] = field(default_factory=dict)

    @property
    def list_url(self) -> str:
        return f"{BASE_URL}/issuers/acme/status/1"

    def method(self, key_id: str | None = None) -> str:
        return f"{self.did}#{key_id or self.current}"

    def rotate(self, key_id: str) -> None:
        self.keys[key_id] = generate_private_key()
        self.current = key_id
        self.publish()

    def publish(self) -> None:
        document = did_web.build_did_document(
            self.did,
            [
                did_web.IssuerKey(kid, public_key_multibase(k.public_key()))
                for kid, k in self.keys.items()
            ],
        )
        self.web[did_web.did_document_url(self.did)] = json.dumps(document).encode()
        list_credential = status_list.build_status_list_credential(
            list_url=self.list_url,
            issuer=self.did,
            status_list=self.status,
            valid_from=NOW - timedelta(days=30),
        )
        signed = signing.sign(list_credential, self.keys[self.current], self.method())
        self.web[self.list_url] = json.dumps(signed).encode()

    def fetch(self, url: str) -> bytes:
        if url not in self.web:
            raise LookupError(f"404 {url}")
        return self.web[url]

    def resolve_did(self, did: str) -> dict[str, Any]:
        return did_web.resolve_did_web(did, self.fetch)

    def fetch_status_list(self, url: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.fetch(url))
        return data

    def revoke(self, index: int) -> None:
        self.status.set(index)
        self.publish()

    def issue(self, **overrides: Any) -> dict[str, Any]:
        index = status_list.allocate_index(set(), random.Random(len(self.web)).randrange)
        arguments: dict[str, Any] = {
            "credential_id": "urn:uuid:2f1c5a7e-9b7a-4c59-8d6e-0e1f2a3b4c5d",
            "issuer": ob3.IssuerProfile(
                id=self.did,
                name="Acme Academy",
                url="https://acme.example",
                email="badges@acme.example",
                image_url="https://acme.example/logo.png",
            ),
            "achievement": ob3.AchievementInfo(
                id="https://acme.example/achievements/python-101",
                name="Python 101",
                description="Writes and tests small Python programs.",
                criteria_narrative="Completed all modules and passed the final project.",
                image_url="https://acme.example/badges/python-101.png",
                achievement_type="Course",
            ),
            "recipient": ob3.Recipient(email="Learner@Example.com", salt="s4lt"),
            "valid_from": NOW - timedelta(days=1),
            "valid_until": NOW + timedelta(days=365),
            "evidence": [ob3.EvidenceItem(narrative="Final project: a CLI todo app.")],
            "score": ob3.ScoreResult(value="92"),
            "credential_status": status_list.build_status_entry(self.list_url, index),
        }
        arguments.update(overrides)
        credential = ob3.build_open_badge_credential(**arguments)
        return ob3.sign_open_badge(
            credential, self.keys[self.current], self.method(), created=NOW - timedelta(days=1)
        )


@pytest.fixture
def issuer() -> Issuer:
    did = did_web.issuer_did(BASE_URL, "acme")
    made = Issuer(did=did, keys={"key-1": generate_private_key()}, current="key-1")
    made.publish()
    return made


@pytest.fixture
def credential(issuer: Issuer) -> dict[str, Any]:
    return issuer.issue()


@pytest.fixture
def now() -> datetime:
    return NOW


Resolver = Callable[[str], dict[str, Any]]
