"""A badge host plays the Open Badges 3.0 API: register, PKCE authorization, fetch, upsert."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from credmarket_events.envelope import KafkaMessage
from credmarket_events.issuance import CredentialDeliveredV1
from credmarket_events.testing import assert_valid_event
from credmarket_events.topics import CREDENTIALS
from credmarket_platform.db.tables import outbox
from credmarket_testing.kafka import consume_all

if TYPE_CHECKING:
    from conftest import Harness, IssueCredential

pytestmark = pytest.mark.integration

API = "/ims/ob/v3p0"
SCOPE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
REDIRECT = "https://host.example/callback"


class BadgeHost:
    """What a badge host does, step by step, over the API alone."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.client_id = ""
        self.secret = ""

    @property
    def http(self) -> httpx.AsyncClient:
        return self.h.client

    def basic(self) -> dict[str, str]:
        raw = base64.b64encode(f"{self.client_id}:{self.secret}".encode()).decode()
        return {"Authorization": f"Basic {raw}"}

    async def register(self) -> None:
        discovery = (await self.http.get(f"{API}/discovery")).json()
        scheme = discovery["components"]["securitySchemes"]["OAuth2ACG"]
        registration_url = scheme["x-imssf-registrationUrl"]
        answer = await self.http.post(
            registration_url,
            json={
                "client_name": "Host <Example>",
                "client_uri": "https://host.example",
                "redirect_uris": [REDIRECT],
                "scope": " ".join(
                    SCOPE + s
                    for s in ("credential.readonly", "credential.upsert", "profile.readonly")
                ),
            },
        )
        assert answer.status_code == 201, answer.text
        self.client_id, self.secret = answer.json()["client_id"], answer.json()["client_secret"]

    async def authorize(
        self, learner_id: uuid.UUID, scopes: str, *, approve: bool = True
    ) -> dict[str, str]:
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        start = await self.http.get(
            f"{API}/auth/authorize",
            params={
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": REDIRECT,
                "scope": scopes,
                "state": "s-123",
                "code_challenge": challenge.rstrip(b"=").decode(),
                "code_challenge_method": "S256",
            },
        )
        assert start.status_code == 302, start.text
        consent = urlsplit(start.headers["location"])
        request_id = parse_qs(consent.query)["request"][0]
        learner = self.h.auth("learner", str(learner_id))
        shown = await self.http.get(
            f"/v1/badge-hosts/authorization-requests/{request_id}", headers=learner
        )
        assert shown.status_code == 200, shown.text
        assert shown.json()["client_name"] == "Host <Example>"
        decision = await self.http.post(
            f"/v1/badge-hosts/authorization-requests/{request_id}/decision",
            json={"approve": approve},
            headers=learner,
        )
        assert decision.status_code == 200, decision.text
        back = parse_qs(urlsplit(decision.json()["redirect_to"]).query)
        return {"verifier": verifier, **{k: v[0] for k, v in back.items()}}

    async def tokens(self, code: str, verifier: str) -> httpx.Response:
        return await self.http.post(
            f"{API}/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "code_verifier": verifier,
            },
            headers=self.basic(),
        )

    async def credentials(self, access_token: str, **params: Any) -> httpx.Response:
        return await self.http.get(
            f"{API}/credentials", params=params, headers={"Authorization": f"Bearer {access_token}"}
        )


async def delivered(h: Harness) -> list[CredentialDeliveredV1]:
    # Two CredentialIssued, then what the fetches caused.
    records = await consume_all(
        h.settings.kafka_bootstrap, h.settings.topic(CREDENTIALS.name), 3, timeout=30
    )
    events = []
    for record in records:
        if dict(record.headers).get("ce_type") == CredentialDeliveredV1.event_type.encode():
            message = KafkaMessage(CREDENTIALS.name, record.key, record.value, list(record.headers))
            events.append(assert_valid_event(message, CredentialDeliveredV1).data)
    return events


async def test_a_badge_host_fetches_and_upserts_for_the_learner_who_let_it_in(
    harness: Harness, issue_credential: IssueCredential
) -> None:
    h = harness
    mine = await issue_credential(h)
    theirs = await issue_credential(h)  # another learner's: never shown to this host
    host = BadgeHost(h)
    await host.register()
    scopes = f"{SCOPE}credential.readonly {SCOPE}credential.upsert {SCOPE}profile.readonly"
    back = await host.authorize(mine.learner_id, scopes)
    assert back["state"] == "s-123"

    wrong = await host.tokens(back["code"], "x" * 50)
    assert wrong.json()["error"] == "invalid_grant"
    issued = await host.tokens(back["code"], back["verifier"])
    assert issued.status_code == 200, issued.text
    tokens = issued.json()
    assert tokens["token_type"] == "Bearer"
    reused = await host.tokens(back["code"], back["verifier"])
    assert reused.json()["error"] == "invalid_grant"

    page = await host.credentials(tokens["access_token"])
    assert page.status_code == 200, page.text
    assert page.headers["x-total-count"] == "1"
    (fetched,) = page.json()["credential"]
    assert fetched == mine.document
    assert theirs.document["id"] not in str(page.json())
    again = await host.credentials(tokens["access_token"])
    assert again.json()["credential"] == [mine.document]
    async with h.db.engine.connect() as connection:
        told = await connection.scalar(
            sa.select(sa.func.count())
            .select_from(outbox)
            .where(outbox.c.event_type == CredentialDeliveredV1.event_type)
        )
    assert told == 1  # once per host and credential, however often it fetches
    (event,) = await delivered(h)
    assert event.channel == "ob3_api"
    assert event.credential_id == mine.id
    assert event.holder_id == f"urn:credmarket:badge-host:{host.client_id}"

    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    outside = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "https://elsewhere.example/credentials/1",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "From elsewhere",
    }
    created = await h.client.post(f"{API}/credentials", json=outside, headers=bearer)
    assert created.status_code == 201, created.text
    replaced = await h.client.post(
        f"{API}/credentials", json={**outside, "name": "Renamed"}, headers=bearer
    )
    assert replaced.status_code == 200
    ours = await h.client.post(f"{API}/credentials", json=theirs.document, headers=bearer)
    assert ours.status_code == 400
    assert "cannot be replaced" in ours.json()["imsx_description"]
    listed = await host.credentials(tokens["access_token"], limit=1, offset=1)
    assert listed.json()["credential"][0]["name"] == "Renamed"
    assert 'rel="prev"' in listed.headers["link"]

    profile = (await h.client.get(f"{API}/profile", headers=bearer)).json()
    assert profile["id"] == f"urn:uuid:{mine.learner_id}"
    assert profile["name"] == "Ada Lovelace"

    refreshed = await h.client.post(
        f"{API}/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        headers=host.basic(),
    )
    assert refreshed.status_code == 200
    rotated = await h.client.post(
        f"{API}/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        headers=host.basic(),
    )
    assert rotated.json()["error"] == "invalid_grant"

    learner = h.auth("learner", str(mine.learner_id))
    (grant,) = (await h.client.get("/v1/badge-hosts/grants", headers=learner)).json()["items"]
    stranger = h.auth("learner", str(uuid.uuid4()))
    assert (
        await h.client.delete(f"/v1/badge-hosts/grants/{grant['id']}", headers=stranger)
    ).status_code == 404
    assert (
        await h.client.delete(f"/v1/badge-hosts/grants/{grant['id']}", headers=learner)
    ).status_code == 204
    after = await host.credentials(refreshed.json()["access_token"])
    assert after.status_code == 401
    assert after.json()["imsx_codeMajor"] == "failure"


async def test_a_token_without_the_scope_is_refused(
    harness: Harness, issue_credential: IssueCredential
) -> None:
    h = harness
    mine = await issue_credential(h)
    host = BadgeHost(h)
    await host.register()
    back = await host.authorize(mine.learner_id, f"{SCOPE}profile.readonly")
    tokens = (await host.tokens(back["code"], back["verifier"])).json()
    refused = await host.credentials(tokens["access_token"])
    assert refused.status_code == 403
    minor = refused.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]
    assert minor["imsx_codeMinorFieldValue"] == "forbidden"
    upsert = await h.client.post(
        f"{API}/credentials",
        json={"id": "urn:x:1", "type": ["OpenBadgeCredential"]},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert upsert.status_code == 403


async def test_bad_requests_are_refused_before_anyone_is_asked(harness: Harness) -> None:
    h = harness
    host = BadgeHost(h)
    await host.register()
    base = {
        "response_type": "code",
        "client_id": host.client_id,
        "redirect_uri": REDIRECT,
        "scope": f"{SCOPE}profile.readonly",
        "state": "s",
    }
    unknown_client = await h.client.get(f"{API}/auth/authorize", params={**base, "client_id": "x"})
    assert unknown_client.status_code == 400
    other_redirect = await h.client.get(
        f"{API}/auth/authorize", params={**base, "redirect_uri": "https://evil.example/cb"}
    )
    assert other_redirect.status_code == 400  # never redirected to an unregistered URI
    no_pkce = await h.client.get(f"{API}/auth/authorize", params=base)
    assert no_pkce.status_code == 302
    assert "error=invalid_request" in no_pkce.headers["location"]
    assert no_pkce.headers["location"].startswith(REDIRECT)
    bad_scope = await h.client.get(
        f"{API}/auth/authorize",
        params={
            **base,
            "scope": "admin",
            "code_challenge": "a" * 43,
            "code_challenge_method": "S256",
        },
    )
    assert "error=invalid_scope" in bad_scope.headers["location"]
    bad_secret = await h.client.post(
        f"{API}/auth/token",
        data={"grant_type": "authorization_code", "code": "x"},
        auth=(host.client_id, "wrong"),
    )
    assert bad_secret.status_code == 401
    insecure = await h.client.post(
        f"{API}/auth/register",
        json={"client_name": "x", "redirect_uris": ["javascript:alert(1)"]},
    )
    assert insecure.status_code == 400
    assert insecure.json()["error"] == "invalid_redirect_uri"
    denied = await host.authorize(uuid.uuid4(), f"{SCOPE}profile.readonly", approve=False)
    assert denied["error"] == "access_denied"
    assert denied["state"] == "s-123"
