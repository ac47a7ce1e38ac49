"""A token whose subject is no UUID owns nothing, and every service says so the same way:
403 ``subject-not-uuid`` (credmarket_platform.auth.subject_uuid).

Each app is built in process (dev mode); the refusal comes before any database work, so
no server, broker or database is needed.
"""

from __future__ import annotations

import importlib

import httpx
import pytest
from credmarket_platform.auth import Role, mint_token
from credmarket_platform.http import problem_types

SECRET = "subject-refusal-test-secret-0123456789"

# (service, path, role): a route where a learner or provider acts as itself.
OWN_RECORDS: list[tuple[str, str, Role]] = [
    ("catalog", "/v1/provider/offerings", "provider"),
    ("enrollment", "/v1/enrollments", "learner"),
    ("enrollment", "/v1/enrollments", "provider"),
    ("payments", "/v1/earnings", "provider"),
    ("issuance", "/v1/credentials", "learner"),
    ("issuance", "/v1/credentials", "provider"),
    ("issuance", "/v1/badge-hosts/grants", "learner"),
]


@pytest.mark.parametrize(("service", "path", "role"), OWN_RECORDS)
async def test_a_subject_that_is_no_uuid_is_refused_as_one_problem(
    service: str, path: str, role: Role, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDMARKET_DEV_MODE", "true")
    monkeypatch.setenv("CREDMARKET_JWT_DEV_SECRET", SECRET)
    app = importlib.import_module(f"{service}.app").create_app()
    token = mint_token("user-42", role, issuer="credmarket-dev", secret=SECRET)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403, answer.text
    assert answer.json()["type"] == problem_types.SUBJECT_NOT_UUID.type
    assert answer.json()["title"] == problem_types.SUBJECT_NOT_UUID.title
