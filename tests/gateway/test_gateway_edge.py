"""The gateway's routing and edge duties, through real nginx to the real services."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from credmarket_testing.system import System

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"


async def test_routes_by_prefix_and_strips_it(
    system: System, http: httpx.AsyncClient, offering: object
) -> None:
    response = await http.get(f"{system.gateway_url}/catalog/v1/offerings", params={"limit": 5})
    assert response.status_code == 200, response.text
    assert "items" in response.json()

    # Each prefix reaches its own service: an unauthenticated call is refused by it.
    for path in ("/enrollment/v1/enrollments", "/payments/v1/earnings", "/issuance/v1/credentials"):
        refused = await http.get(f"{system.gateway_url}{path}")
        assert refused.status_code == 401, (path, refused.text)
        assert refused.headers["content-type"].startswith(PROBLEM)


async def test_issuance_public_documents_are_at_the_root(
    system: System, http: httpx.AsyncClient
) -> None:
    unknown = uuid.uuid4()
    for path in (f"/issuers/{unknown}/did.json", f"/credentials/{unknown}"):
        response = await http.get(f"{system.gateway_url}{path}")
        # issuance's own 404 (it has no such issuer), not the gateway's "no route".
        assert response.status_code == 404, response.text
        assert "no route at the gateway" not in response.text
        assert response.headers.get("x-request-id")


async def test_unknown_paths_and_service_metrics_are_not_routed(
    system: System, http: httpx.AsyncClient
) -> None:
    for path in ("/nowhere", "/catalog/metrics", "/payments/metrics"):
        response = await http.get(f"{system.gateway_url}{path}")
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["detail"] == "no route at the gateway for this path"


async def test_request_and_correlation_ids_reach_the_service(
    system: System, http: httpx.AsyncClient
) -> None:
    # The service echoes the ids it received: these headers come from catalog itself.
    given = await http.get(
        f"{system.gateway_url}/catalog/v1/offerings",
        headers={"X-Request-Id": "req-edge-1", "X-Correlation-Id": "corr-edge-1"},
    )
    assert given.status_code == 200
    assert given.headers["x-request-id"] == "req-edge-1"
    assert given.headers["x-correlation-id"] == "corr-edge-1"

    # Without them, nginx makes the request id and the correlation id defaults to it.
    made = await http.get(f"{system.gateway_url}/catalog/v1/offerings")
    request_id = made.headers["x-request-id"]
    assert len(request_id) == 32
    assert int(request_id, 16) >= 0
    assert made.headers["x-correlation-id"] == request_id
    assert len(made.headers.get_list("x-request-id")) == 1

    # An id of a wild shape is replaced rather than passed on.
    wild = await http.get(
        f"{system.gateway_url}/catalog/v1/offerings", headers={"X-Request-Id": "a b<c>"}
    )
    assert wild.headers["x-request-id"] != "a b<c>"
    assert request_id != wild.headers["x-request-id"]
    # And the gateway's access log names them too.
    access_log = (system.gateway_dir / "logs" / "access.log").read_text()
    assert "request_id=req-edge-1 correlation_id=corr-edge-1" in access_log


async def test_body_over_the_limit_is_413_problem(system: System, http: httpx.AsyncClient) -> None:
    body = b'{"pad":"' + b"x" * (1024 * 1024 + 1) + b'"}'
    response = await http.post(
        f"{system.gateway_url}/enrollment/v1/enrollments",
        content=body,
        headers={"Content-Type": "application/json", "Authorization": "Bearer big"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == 413
    assert problem["type"] == "urn:credmarket:problem:request-too-large"
    assert "1 MiB" in problem["detail"]

    # Just under the limit passes the gateway (and is the service's to judge).
    small = await http.post(
        f"{system.gateway_url}/catalog/v1/offerings",
        content=b'{"pad":"' + b"x" * (1000 * 1024) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert small.status_code != 413


async def test_health_shows_every_upstream(system: System, http: httpx.AsyncClient) -> None:
    health = await http.get(f"{system.gateway_url}/gateway/health")
    assert health.status_code == 200
    # Up or down, nothing more for the public (ADR 0024); details are internal.
    assert health.json() == {"status": "up"}

    one = await http.get(f"{system.gateway_url}/gateway/upstreams/payments")
    assert one.status_code == 200
    assert one.json()["status"] == "ready"


async def test_health_says_which_upstream_is_down(system: System, http: httpx.AsyncClient) -> None:
    issuance = system.replicas["issuance"][0]
    await issuance.stop()
    try:
        health = (await http.get(f"{system.gateway_url}/gateway/health")).json()
        assert health == {"status": "down"}
        down = await http.get(f"{system.gateway_url}/gateway/upstreams/issuance")
        assert down.status_code == 502
        assert down.headers["content-type"].startswith(PROBLEM)
        call = await http.post(f"{system.gateway_url}/issuance/v1/verify", json={})
        assert call.status_code == 502
        assert call.json()["type"] == "urn:credmarket:problem:upstream-unavailable"
    finally:
        await system.restart("issuance")
    health = (await http.get(f"{system.gateway_url}/gateway/health")).json()
    assert health == {"status": "up"}, health


async def test_preflight_is_answered_at_the_edge(
    system: System, http: httpx.AsyncClient, page_origins: object
) -> None:
    allowed = system.gateway_settings.cors_origins[0] if system.gateway_settings else ""
    preflight = await http.options(
        f"{system.gateway_url}/enrollment/v1/enrollments",
        headers={
            "Origin": allowed,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
        },
    )
    assert preflight.status_code == 204
    headers = preflight.headers
    assert headers["access-control-allow-origin"] == allowed
    assert headers["access-control-allow-credentials"] == "true"
    allowed_headers = headers["access-control-allow-headers"].lower()
    for name in ("authorization", "content-type", "idempotency-key", "x-correlation-id"):
        assert name in allowed_headers
    assert "POST" in headers["access-control-allow-methods"]
    assert int(headers["access-control-max-age"]) > 0
    assert "Origin" in headers["vary"]

    stranger = await http.options(
        f"{system.gateway_url}/enrollment/v1/enrollments",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in stranger.headers
    assert "access-control-allow-credentials" not in stranger.headers

    simple = await http.get(
        f"{system.gateway_url}/catalog/v1/offerings", headers={"Origin": allowed}
    )
    assert simple.headers["access-control-allow-origin"] == allowed
    assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()
    assert "access-control-allow-methods" not in simple.headers


async def test_docs_are_served(system: System, http: httpx.AsyncClient) -> None:
    page = await http.get(f"{system.gateway_url}/docs/")
    assert page.status_code == 200
    assert "credmarket API" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    merged = (await http.get(f"{system.gateway_url}/docs/openapi.json")).json()
    assert "/catalog/v1/offerings" in merged["paths"]
    assert "/issuers/{issuer_id}/did.json" in merged["paths"]
    webhook = merged["paths"]["/payments/v1/stripe/webhook"]["post"]
    assert webhook["security"] == [{"StripeSignature": []}]
    asyncapi = (await http.get(f"{system.gateway_url}/docs/asyncapi.json")).json()
    assert asyncapi["asyncapi"].startswith("3.")


async def test_anonymous_search_is_kept_briefly_and_a_token_bypasses_the_cache(
    system: System, http: httpx.AsyncClient
) -> None:
    url = f"{system.gateway_url}/catalog/v1/offerings"
    params = {"q": f"microcache {uuid.uuid4().hex}"}
    first = await http.get(url, params=params, headers={"X-Request-Id": "cache-1"})
    second = await http.get(url, params=params, headers={"X-Request-Id": "cache-2"})
    assert first.headers["cache-control"] == "public, max-age=1"
    assert first.headers["x-cache-status"] == "MISS"
    # Kept for one second: on a slow machine the second request may come after that and
    # get the kept answer while one background request refreshes it (UPDATING).
    assert second.headers["x-cache-status"] in {"HIT", "UPDATING"}
    assert second.json() == first.json()
    # A kept answer still names the request it answers, not the one that filled it.
    assert [first.headers["x-request-id"], second.headers["x-request-id"]] == ["cache-1", "cache-2"]
    assert second.headers["x-correlation-id"] == "cache-2"

    with_token = await http.get(url, params=params, headers={"Authorization": "Bearer x.y.z"})
    assert with_token.headers["x-cache-status"] == "BYPASS"


async def test_live_status_streams_through_the_gateway_with_cors(
    system: System, http: httpx.AsyncClient, via_gateway: Any, offering: Any
) -> None:
    """The SSE location: preflight allows Last-Event-ID, the stream carries the edge's CORS
    headers, and the first event arrives while the stream stays open (not buffered)."""
    allowed = system.gateway_settings.cors_origins[0] if system.gateway_settings else ""
    learner = system.token("learner", str(uuid.uuid4()), email="lin@learners.example")
    bought = await via_gateway.purchase(learner, offering.id, offering.version)
    assert bought.status_code == 201, bought.text
    # The link is a path at the origin the client called (the gateway's prefix included).
    link = bought.json()["next_action"]["events_url"]
    assert link == f"/enrollment/v1/enrollments/{bought.json()['id']}/events"
    events_url = f"{system.gateway_url}{link}"

    preflight = await http.options(
        events_url,
        headers={
            "Origin": allowed,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization,last-event-id",
        },
    )
    assert preflight.status_code == 204
    assert "last-event-id" in preflight.headers["access-control-allow-headers"].lower()

    headers = {"Origin": allowed, "Authorization": f"Bearer {learner}"}
    async with http.stream("GET", events_url, headers=headers) as stream:
        assert stream.status_code == 200
        assert stream.headers["access-control-allow-origin"] == allowed
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()
        seen: list[str] = []
        while "event: enrollment.requested" not in seen:
            seen.append(await asyncio.wait_for(anext(lines), 30))
