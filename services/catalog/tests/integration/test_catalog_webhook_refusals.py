"""What a webhook endpoint may not be, and who may not touch it (ADR 0023).

Outside dev mode no URL may lead to loopback, link-local, private or metadata
addresses and only https is allowed; the catalog here runs with those two rules as in
production (dev mode stays on only for the test's HS256 tokens).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from catalog.app import create_app
from catalog.settings import CatalogSettings
from credmarket_events.enrollment import EnrollmentActivatedV1
from credmarket_events.payments import PaymentSucceededV1

pytestmark = pytest.mark.integration

ACTIVATED = EnrollmentActivatedV1.event_type


@pytest.fixture
async def strict(settings: CatalogSettings) -> AsyncIterator[httpx.AsyncClient]:
    strict_settings = settings.model_copy(
        update={
            "webhook_allow_http": False,
            "webhook_allow_private_addresses": False,
            "search_backend": "database",
        }
    )
    app = create_app(strict_settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://c.test") as c,
    ):
        yield c


async def _provider(client: httpx.AsyncClient, ops: dict[str, str]) -> dict[str, Any]:
    body = {"name": "Example Academy", "contact_email": "courses@academy.example"}
    registered = await client.post("/v1/providers", json=body, headers=ops)
    assert registered.status_code == 201, registered.text
    token = await client.post(
        "/v1/provider-tokens", json={"api_key": registered.json()["api_key"]["key"]}
    )
    return {
        "id": registered.json()["provider"]["id"],
        "headers": {"Authorization": f"Bearer {token.json()['access_token']}"},
    }


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://127.0.0.1/hooks", "forbidden_address"),
        ("https://localhost:8443/hooks", "forbidden_address"),
        ("https://169.254.169.254/latest/meta-data/", "forbidden_address"),
        ("https://[::1]/hooks", "forbidden_address"),
        ("https://10.1.2.3/hooks", "forbidden_address"),
        ("https://[::ffff:169.254.169.254]/hooks", "forbidden_address"),
        ("http://lms.academy.example/hooks", "https_required"),
        ("https://user:pw@lms.academy.example/hooks", "invalid_url"),
        ("not a url", "invalid_url"),
        ("lms.academy.example/hooks", "https_required"),
    ],
)
async def test_an_endpoint_that_could_reach_inside_is_refused(
    strict: httpx.AsyncClient, ops: dict[str, str], url: str, code: str
) -> None:
    provider = await _provider(strict, ops)
    response = await strict.post(
        f"/v1/providers/{provider['id']}/webhook-endpoints",
        json={"url": url, "event_types": [ACTIVATED]},
        headers=provider["headers"],
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["type"] for e in response.json()["errors"]] == [code]
    listed = await strict.get(
        f"/v1/providers/{provider['id']}/webhook-endpoints", headers=provider["headers"]
    )
    assert listed.json()["items"] == []


async def test_an_event_type_that_does_not_exist_is_refused(
    strict: httpx.AsyncClient, ops: dict[str, str]
) -> None:
    provider = await _provider(strict, ops)
    response = await strict.post(
        f"/v1/providers/{provider['id']}/webhook-endpoints",
        json={
            "url": "https://93.184.215.14/hooks",
            "event_types": [ACTIVATED, "credmarket.enrollment.enrollment.exploded.v1"],
        },
        headers=provider["headers"],
    )
    assert response.status_code == 422, response.text
    assert [e["type"] for e in response.json()["errors"]] == ["unknown_event_type"]
    # An event that exists but no provider hears of (payments' own) is refused too.
    response = await strict.post(
        f"/v1/providers/{provider['id']}/webhook-endpoints",
        json={
            "url": "https://93.184.215.14/hooks",
            "event_types": [PaymentSucceededV1.event_type],
        },
        headers=provider["headers"],
    )
    assert response.status_code == 422, response.text


async def test_another_providers_endpoint_is_out_of_reach(
    strict: httpx.AsyncClient, ops: dict[str, str]
) -> None:
    owner = await _provider(strict, ops)
    intruder = await _provider(strict, ops)
    # A public address given literally: nothing to resolve, and allowed.
    created = await strict.post(
        f"/v1/providers/{owner['id']}/webhook-endpoints",
        json={"url": "https://93.184.215.14/hooks", "event_types": [ACTIVATED]},
        headers=owner["headers"],
    )
    assert created.status_code == 201, created.text
    endpoint = created.json()["endpoint"]["id"]
    assert created.json()["secret"].startswith("whsec_")

    on_behalf = await strict.post(
        f"/v1/providers/{owner['id']}/webhook-endpoints",
        json={"url": "https://93.184.215.14/x", "event_types": [ACTIVATED]},
        headers=intruder["headers"],
    )
    assert on_behalf.status_code == 403
    assert (
        await strict.get(
            f"/v1/providers/{owner['id']}/webhook-endpoints", headers=intruder["headers"]
        )
    ).status_code == 403
    attempts = [
        ("GET", f"/v1/webhook-endpoints/{endpoint}", None),
        ("PATCH", f"/v1/webhook-endpoints/{endpoint}", {"enabled": False}),
        ("DELETE", f"/v1/webhook-endpoints/{endpoint}", None),
        ("POST", f"/v1/webhook-endpoints/{endpoint}/secret-rotations", {}),
        ("POST", f"/v1/webhook-endpoints/{endpoint}/pings", None),
        ("GET", f"/v1/webhook-endpoints/{endpoint}/messages", None),
        (
            "POST",
            f"/v1/webhook-endpoints/{endpoint}/redeliveries",
            {"since": "2026-01-01T00:00:00Z"},
        ),
    ]
    for method, path, body in attempts:
        response = await strict.request(method, path, json=body, headers=intruder["headers"])
        assert response.status_code == 404, (method, path, response.text)
    # Nothing changed for the owner; and without a token nothing at all.
    mine = await strict.get(f"/v1/webhook-endpoints/{endpoint}", headers=owner["headers"])
    assert mine.json()["enabled"] is True
    # The secret was shown once, at creation: never again.
    assert created.json()["secret"] not in mine.text
    listed = await strict.get(
        f"/v1/providers/{owner['id']}/webhook-endpoints", headers=owner["headers"]
    )
    assert created.json()["secret"] not in listed.text
    assert (await strict.get(f"/v1/webhook-endpoints/{endpoint}")).status_code == 401
    # Ops see it.
    assert (await strict.get(f"/v1/webhook-endpoints/{endpoint}", headers=ops)).status_code == 200


async def test_every_attempt_checks_where_the_name_leads_now() -> None:
    """A name accepted once may resolve to loopback later: the attempt is refused
    before anything is sent, and the refusal is what the delivery log records."""
    from catalog.webhooks.sender import SendLimits, send
    from credmarket_testing.webhook_receiver import running_receiver

    async with running_receiver() as rx, httpx.AsyncClient() as client:
        limits = SendLimits(1.0, 2.0, 64, allow_private=False)
        url = f"http://localhost:{rx.port}/hooks"
        attempt = await send(client, url, {"webhook-id": "msg_x"}, b"{}", limits)
        assert attempt.refused
        assert attempt.error is not None
        assert "loopback" in attempt.error
        assert rx.requests == 0
        # The same URL with private addresses allowed (dev mode) does reach it.
        allowed = SendLimits(1.0, 2.0, 64, allow_private=True)
        attempt = await send(client, url, {"webhook-id": "msg_x"}, b"{}", allowed)
        assert rx.requests == 1
        assert attempt.status_code == 401  # no secret: the receiver refuses it
        assert attempt.excerpt == "signature does not verify"


async def test_text_postgresql_cannot_store_is_refused_not_a_500(
    strict: httpx.AsyncClient, ops: dict[str, str]
) -> None:
    provider = await _provider(strict, ops)
    response = await strict.post(
        f"/v1/providers/{provider['id']}/webhook-endpoints",
        json={
            "url": "https://93.184.215.14/hooks",
            "event_types": [ACTIVATED],
            "description": "nul\u0000",
        },
        headers=provider["headers"],
    )
    assert response.status_code == 422, response.text
    created = await strict.post(
        f"/v1/providers/{provider['id']}/webhook-endpoints",
        json={"url": "https://93.184.215.14/hooks", "event_types": [ACTIVATED]},
        headers=provider["headers"],
    )
    endpoint = created.json()["endpoint"]["id"]
    for path in (
        f"/v1/webhook-endpoints/{endpoint}/messages/msg_%00",
        f"/v1/webhook-endpoints/{endpoint}/messages/not-ours",
    ):
        assert (await strict.get(path, headers=provider["headers"])).status_code == 404
