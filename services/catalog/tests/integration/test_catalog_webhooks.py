"""Webhooks on the real broker and database, to a local receiver that verifies every
delivery with the `standardwebhooks` package (ADR 0023).

Time is the test's: the app's clock is moved on by hours and days instead of waited for.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from catalog.app import create_app
from catalog.domain.webhook_event_types import PING_TYPE, SUBSCRIBABLE
from catalog.runtime import CatalogRuntime
from catalog.settings import CatalogSettings
from credmarket_events.base import EventData
from credmarket_events.catalog import (
    OfferingPublishedV1,
    OfferingRetiredV1,
    WebhookEndpointDisabledV1,
)
from credmarket_events.enrollment import (
    EnrollmentActivatedV1,
    EnrollmentCancelledV1,
    EnrollmentCompletedV1,
    EnrollmentRequestedV1,
    EnrollmentRevokedV1,
)
from credmarket_events.envelope import Envelope, encode
from credmarket_events.issuance import CredentialIssuedV1, CredentialRevokedV1
from credmarket_events.testing import make_event
from credmarket_testing.wait import wait_until
from credmarket_testing.webhook_receiver import WebhookReceiver, running_receiver
from fastapi import FastAPI

pytestmark = pytest.mark.integration

ACTIVATED = EnrollmentActivatedV1.event_type
CANCELLED = EnrollmentCancelledV1.event_type
COMPLETED = EnrollmentCompletedV1.event_type
REVOKED = EnrollmentRevokedV1.event_type
REQUESTED = EnrollmentRequestedV1.event_type
ISSUED = CredentialIssuedV1.event_type
CREDENTIAL_REVOKED = CredentialRevokedV1.event_type
PUBLISHED = OfferingPublishedV1.event_type
RETIRED = OfferingRetiredV1.event_type
DISABLED = WebhookEndpointDisabledV1.event_type


class MovableClock:
    def __init__(self) -> None:
        self.current = datetime.now(UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, by: timedelta) -> None:
        self.current += by


@dataclass
class Hooks:
    app: FastAPI
    client: httpx.AsyncClient
    clock: MovableClock
    settings: CatalogSettings
    producer: AIOKafkaProducer
    ops: dict[str, str]

    async def publish(self, data: EventData, source: str = "/enrollment") -> Envelope[Any]:
        env = Envelope(data=data, source=source, time=self.clock.now())
        msg = encode(env)
        await self.producer.send_and_wait(
            self.settings.topic(msg.topic), msg.value, key=msg.key, headers=list(msg.headers)
        )
        return env

    async def provider(self) -> dict[str, Any]:
        body = {"name": "Example Academy", "contact_email": "courses@academy.example"}
        registered = await self.client.post("/v1/providers", json=body, headers=self.ops)
        assert registered.status_code == 201, registered.text
        key = registered.json()["api_key"]["key"]
        token = await self.client.post("/v1/provider-tokens", json={"api_key": key})
        assert token.status_code == 200, token.text
        return {
            "id": registered.json()["provider"]["id"],
            "headers": {"Authorization": f"Bearer {token.json()['access_token']}"},
        }

    async def endpoint(
        self, provider: dict[str, Any], url: str, types: list[str] | None = None
    ) -> dict[str, Any]:
        response = await self.client.post(
            f"/v1/providers/{provider['id']}/webhook-endpoints",
            json={"url": url, "event_types": types or list(SUBSCRIBABLE)},
            headers=provider["headers"],
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def messages(self, provider: dict[str, Any], endpoint_id: str) -> list[dict[str, Any]]:
        response = await self.client.get(
            f"/v1/webhook-endpoints/{endpoint_id}/messages", headers=provider["headers"]
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def endpoint_state(self, provider: dict[str, Any], endpoint_id: str) -> dict[str, Any]:
        response = await self.client.get(
            f"/v1/webhook-endpoints/{endpoint_id}", headers=provider["headers"]
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
async def hooks(
    settings: CatalogSettings, kafka_bootstrap: str, ops: dict[str, str]
) -> AsyncIterator[Hooks]:
    clock = MovableClock()
    webhook_settings = settings.model_copy(
        update={
            "run_consumer": True,
            "run_webhook_delivery": True,
            "webhook_poll_interval_s": 0.05,
            "consumer_backoff_max_s": 0.5,
            "search_backend": "database",
        }
    )
    app = create_app(webhook_settings, CatalogRuntime.from_settings(webhook_settings, clock=clock))
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://catalog.test"
            ) as client,
        ):
            yield Hooks(app, client, clock, webhook_settings, producer, ops)
    finally:
        await producer.stop()


def _enrollment_events(provider_id: str) -> tuple[str, list[EventData]]:
    enrollment_id = uuid.uuid4()
    common = {"enrollment_id": enrollment_id}
    pid = uuid.UUID(provider_id)
    return str(enrollment_id), [
        make_event(REQUESTED, **common, provider_id=pid),
        make_event(ACTIVATED, **common, provider_id=pid),
        make_event(COMPLETED, **common, provider_id=pid),
    ]


async def _publish_offering(hooks: Hooks, provider: dict[str, Any]) -> str:
    body = {
        "title": "Data Wrangling with Python",
        "description": "Clean, join and reshape tabular data.",
        "skills": ["Python"],
        "level": "intermediate",
        "duration_minutes": 90,
        "language": "en-GB",
        "price": {"amount": 4900, "currency": "EUR"},
        "achievement": {
            "name": "Data Wrangler",
            "description": "Cleans, joins and reshapes tabular data.",
            "criteria_narrative": "Pass the final project.",
        },
    }
    created = await hooks.client.post(
        "/v1/provider/offerings", json=body, headers=provider["headers"]
    )
    assert created.status_code == 201, created.text
    offering_id: str = created.json()["id"]
    for step in ("publish", "retire"):
        response = await hooks.client.post(
            f"/v1/provider/offerings/{offering_id}/{step}", headers=provider["headers"]
        )
        assert response.status_code == 200, response.text
    return offering_id


async def test_every_event_type_arrives_once_in_order_per_enrollment(hooks: Hooks) -> None:
    provider = await hooks.provider()
    other = await hooks.provider()
    async with running_receiver(now=hooks.clock.now) as rx:
        created = await hooks.endpoint(provider, rx.url)
        rx.secrets["s"] = created["secret"]
        others = await hooks.endpoint(other, rx.url)
        rx.secrets["other"] = others["secret"]

        first, events = _enrollment_events(provider["id"])
        pid = uuid.UUID(provider["id"])
        eid = uuid.UUID(first)
        published = [await hooks.publish(event) for event in events]
        # The activation reaches the consumer twice (a redelivery): still one message.
        again = encode(published[1])
        await hooks.producer.send_and_wait(
            hooks.settings.topic(again.topic), again.value, key=again.key, headers=again.headers
        )
        await hooks.publish(make_event(ISSUED, enrollment_id=eid), source="/issuance")
        # A refund comes later than the credential: the two services' events are
        # otherwise concurrent, and catalog delivers those in the order it reads them.
        await wait_until(lambda: bool(rx.of_type(ISSUED)), timeout=30, message="no credential")
        await hooks.publish(make_event(REVOKED, enrollment_id=eid))
        await hooks.publish(make_event(CREDENTIAL_REVOKED, enrollment_id=eid), source="/issuance")
        second = uuid.uuid4()
        await hooks.publish(make_event(REQUESTED, enrollment_id=second, provider_id=pid))
        await hooks.publish(make_event(CANCELLED, enrollment_id=second))
        offering_id = await _publish_offering(hooks, provider)

        # Every type but the notice of a disabled endpoint (its own test, below).
        expected = set(SUBSCRIBABLE) - {DISABLED}

        async def all_arrived() -> bool:
            return {d.event["type"] for d in rx.deliveries} >= expected

        await wait_until(all_arrived, timeout=60, message="not every event type arrived")

        ours = [d for d in rx.deliveries if "s" in d.verified_by]
        assert {d.event["type"] for d in ours} == expected
        # One activation although the event came twice.
        by_enrollment = [
            d.event["type"] for d in ours if d.event["data"].get("enrollment_id") == first
        ]
        assert by_enrollment == [
            ACTIVATED,
            COMPLETED,
            ISSUED,
            REVOKED,
            CREDENTIAL_REVOKED,
        ]
        assert len({d.event["id"] for d in ours}) == len(ours)
        assert [
            d.event["type"] for d in ours if d.event["data"].get("offering_id") == offering_id
        ] == [PUBLISHED, RETIRED]
        # CloudEvents structured mode: the context attributes next to the data.
        activated = ours[0].event
        assert activated["specversion"] == "1.0"
        assert activated["subject"] == first
        assert activated["datacontenttype"] == "application/json"
        # The other provider heard nothing of this one's learners or offerings.
        assert not [d for d in rx.deliveries if "other" in d.verified_by]
        assert rx.unverified == 0


async def test_a_receiver_down_for_a_while_gets_everything_after_it_returns(
    hooks: Hooks,
) -> None:
    provider = await hooks.provider()
    rx = WebhookReceiver(now=hooks.clock.now)
    await rx.start()
    await rx.stop()  # down, its port known
    created = await hooks.endpoint(provider, rx.url, [ACTIVATED])
    rx.secrets["s"] = created["secret"]
    endpoint_id = created["endpoint"]["id"]
    pid = uuid.UUID(provider["id"])
    enrollments = [uuid.uuid4() for _ in range(3)]
    for enrollment_id in enrollments:
        await hooks.publish(make_event(ACTIVATED, enrollment_id=enrollment_id, provider_id=pid))

    async def all_tried() -> bool:
        items = await hooks.messages(provider, endpoint_id)
        return len(items) == 3 and all(m["attempts"] >= 1 for m in items)

    await wait_until(all_tried, timeout=60, message="the messages were never tried")
    items = await hooks.messages(provider, endpoint_id)
    assert {m["status"] for m in items} == {"pending"}
    assert all(m["recent_attempts"][0]["error"] for m in items)
    state = await hooks.endpoint_state(provider, endpoint_id)
    assert state["failing_since"] is not None
    assert state["enabled"] is True

    await rx.start()
    try:

        async def delivered() -> bool:
            # Time passes for the back-off; the receiver is back meanwhile.
            hooks.clock.advance(timedelta(minutes=10))
            items = await hooks.messages(provider, endpoint_id)
            return {m["status"] for m in items} == {"delivered"}

        await wait_until(delivered, timeout=60, message="the backlog never arrived")
        assert sorted(d.event["data"]["enrollment_id"] for d in rx.deliveries) == sorted(
            str(e) for e in enrollments
        )
        items = await hooks.messages(provider, endpoint_id)
        assert all(m["recent_attempts"][-1]["status_code"] == 204 for m in items)
        state = await hooks.endpoint_state(provider, endpoint_id)
        assert state["failing_since"] is None
        assert state["last_success_at"] is not None
    finally:
        await rx.stop()


async def test_an_endpoint_failing_for_the_whole_window_is_disabled_and_ops_are_told(
    hooks: Hooks,
) -> None:
    provider = await hooks.provider()
    async with (
        running_receiver(mode="fail", now=hooks.clock.now) as rx,
        running_receiver(now=hooks.clock.now) as second,
    ):
        created = await hooks.endpoint(provider, rx.url, [ACTIVATED])
        endpoint_id = created["endpoint"]["id"]
        # The provider's other endpoint hears that this one was disabled.
        other = await hooks.endpoint(provider, second.url, [DISABLED])
        second.secrets["s"] = other["secret"]
        started = hooks.clock.now()
        pid = uuid.UUID(provider["id"])
        await hooks.publish(make_event(ACTIVATED, enrollment_id=uuid.uuid4(), provider_id=pid))

        async def disabled() -> bool:
            state = await hooks.endpoint_state(provider, endpoint_id)
            if not state["enabled"]:
                return True
            if state["failing_since"] is not None:
                hooks.clock.advance(timedelta(hours=2))
            return False

        await wait_until(disabled, timeout=120, message="the endpoint was never disabled")
        state = await hooks.endpoint_state(provider, endpoint_id)
        assert state["disabled_reason"] == "failing"
        assert "HTTP 500" in state["last_error"]
        failing_since = datetime.fromisoformat(state["failing_since"])
        disabled_at = datetime.fromisoformat(state["disabled_at"])
        assert disabled_at - failing_since >= timedelta(days=3)
        assert disabled_at - started < timedelta(days=3, hours=8)
        # Every attempt is recorded once it finished (a lease that ran out in the moved
        # time may have sent it twice at once: at least once, never lost).
        await hooks.app.state.runtime.delivery.drain()
        [message] = await hooks.messages(provider, endpoint_id)
        assert message["attempts"] > 5
        assert rx.requests == message["attempts"]
        await wait_until(
            lambda: bool(second.of_type(DISABLED)), timeout=30, message="no disabled notice"
        )
        [notice] = second.of_type(DISABLED)
        assert notice.event["data"]["endpoint_id"] == endpoint_id
        assert notice.event["data"]["last_error"] == "HTTP 500"

    # Ops: the event on the bus (through the outbox) and the overview.
    async with hooks.app.state.runtime.db.engine.connect() as conn:
        emitted = await conn.scalar(
            sa.text("SELECT count(*) FROM outbox WHERE event_type = :t"),
            {"t": WebhookEndpointDisabledV1.event_type},
        )
    assert emitted == 1
    overview = await hooks.client.get("/v1/webhooks/overview", headers=hooks.ops)
    assert overview.status_code == 200, overview.text
    assert [h["endpoint"]["id"] for h in overview.json()["disabled_endpoints"]] == [endpoint_id]
    # The provider may not see every provider's endpoints.
    refused = await hooks.client.get("/v1/webhooks/overview", headers=provider["headers"])
    assert refused.status_code == 403


async def _ping(
    hooks: Hooks, provider: dict[str, Any], endpoint_id: str, rx: WebhookReceiver
) -> set[str]:
    response = await hooks.client.post(
        f"/v1/webhook-endpoints/{endpoint_id}/pings", headers=provider["headers"]
    )
    assert response.status_code == 202, response.text
    message_id = response.json()["message_id"]

    async def arrived() -> bool:
        return any(d.webhook_id == message_id for d in rx.deliveries)

    await wait_until(arrived, timeout=30, message=f"ping {message_id} never arrived")

    async def recorded() -> bool:
        response = await hooks.client.get(
            f"/v1/webhook-endpoints/{endpoint_id}/messages/{message_id}",
            headers=provider["headers"],
        )
        return bool(response.json()["status"] == "delivered")

    await wait_until(recorded, timeout=30, message=f"ping {message_id} never recorded")
    [delivery] = [d for d in rx.deliveries if d.webhook_id == message_id]
    assert delivery.event["type"] == PING_TYPE
    return delivery.verified_by


async def test_a_rotated_secret_verifies_with_both_during_the_overlap_then_only_the_new(
    hooks: Hooks,
) -> None:
    provider = await hooks.provider()
    async with running_receiver(now=hooks.clock.now) as rx:
        created = await hooks.endpoint(provider, rx.url, [ACTIVATED])
        endpoint_id = created["endpoint"]["id"]
        rx.secrets["old"] = created["secret"]
        assert await _ping(hooks, provider, endpoint_id, rx) == {"old"}

        rotated = await hooks.client.post(
            f"/v1/webhook-endpoints/{endpoint_id}/secret-rotations",
            json={"overlap_seconds": 3600},
            headers=provider["headers"],
        )
        assert rotated.status_code == 201, rotated.text
        assert rotated.json()["secret"] != created["secret"]
        rx.secrets["new"] = rotated.json()["secret"]
        assert await _ping(hooks, provider, endpoint_id, rx) == {"old", "new"}

        hooks.clock.advance(timedelta(hours=1, seconds=1))
        assert await _ping(hooks, provider, endpoint_id, rx) == {"new"}
        # At rest the secrets are sealed, not stored as given.
        async with hooks.app.state.runtime.db.engine.connect() as conn:
            stored = (await conn.execute(sa.text("SELECT ciphertext FROM webhook_secrets"))).all()
        assert len(stored) == 2
        for secret in (created["secret"], rotated.json()["secret"]):
            key = secret.removeprefix("whsec_").encode()
            assert all(key not in bytes(row[0]) for row in stored)


async def test_redelivery_of_one_message_and_of_everything_since_a_time(hooks: Hooks) -> None:
    provider = await hooks.provider()
    async with running_receiver(now=hooks.clock.now) as rx:
        created = await hooks.endpoint(provider, rx.url, [ACTIVATED])
        endpoint_id = created["endpoint"]["id"]
        rx.secrets["s"] = created["secret"]
        pid = uuid.UUID(provider["id"])
        for _ in range(3):
            await hooks.publish(make_event(ACTIVATED, enrollment_id=uuid.uuid4(), provider_id=pid))
        await wait_until(lambda: len(rx.deliveries) == 3, timeout=60, message="not delivered")
        assert rx.duplicates == 0
        first = rx.deliveries[0].webhook_id

        one = await hooks.client.post(
            f"/v1/webhook-endpoints/{endpoint_id}/messages/{first}/redeliveries",
            headers=provider["headers"],
        )
        assert one.status_code == 202, one.text
        # Same webhook-id, so the receiver sees a duplicate and keeps one.
        await wait_until(lambda: rx.duplicates == 1, timeout=30, message="not redelivered")

        since = (hooks.clock.now() - timedelta(hours=1)).isoformat()
        every = await hooks.client.post(
            f"/v1/webhook-endpoints/{endpoint_id}/redeliveries",
            json={"since": since},
            headers=provider["headers"],
        )
        assert every.status_code == 202, every.text
        assert every.json() == {"redelivered": 3}
        await wait_until(lambda: rx.duplicates == 4, timeout=30, message="not all redelivered")
        assert len(rx.deliveries) == 3

        async def all_delivered() -> bool:
            items = await hooks.messages(provider, endpoint_id)
            return {m["status"] for m in items} == {"delivered"}

        await wait_until(all_delivered, timeout=30, message="redeliveries not recorded")
        # The log is kept for its retention, then forgotten.
        worker = hooks.app.state.runtime.delivery
        await worker.forget_old()
        assert len(await hooks.messages(provider, endpoint_id)) == 3
        hooks.clock.advance(timedelta(days=31))
        await worker.forget_old()
        assert await hooks.messages(provider, endpoint_id) == []


async def test_a_removed_endpoint_gets_nothing_more_and_leaves_no_backlog(hooks: Hooks) -> None:
    provider = await hooks.provider()
    async with running_receiver(mode="fail", now=hooks.clock.now) as rx:
        created = await hooks.endpoint(provider, rx.url, [ACTIVATED])
        endpoint_id = created["endpoint"]["id"]
        pid = uuid.UUID(provider["id"])
        await hooks.publish(make_event(ACTIVATED, enrollment_id=uuid.uuid4(), provider_id=pid))
        await wait_until(lambda: rx.requests >= 1, timeout=60, message="never tried")
        removed = await hooks.client.delete(
            f"/v1/webhook-endpoints/{endpoint_id}", headers=provider["headers"]
        )
        assert removed.status_code == 204
        gone = await hooks.client.get(
            f"/v1/webhook-endpoints/{endpoint_id}", headers=provider["headers"]
        )
        assert gone.status_code == 404
        overview = (await hooks.client.get("/v1/webhooks/overview", headers=hooks.ops)).json()
        assert overview["pending"] == 0
        tried = rx.requests
        await hooks.publish(make_event(ACTIVATED, enrollment_id=uuid.uuid4(), provider_id=pid))
        hooks.clock.advance(timedelta(hours=7))
        # A ping to a live endpoint of another provider shows the worker is still going.
        other = await hooks.provider()
        async with running_receiver(now=hooks.clock.now) as live:
            other_endpoint = await hooks.endpoint(other, live.url, [ACTIVATED])
            live.secrets["s"] = other_endpoint["secret"]
            await _ping(hooks, other, other_endpoint["endpoint"]["id"], live)
        assert rx.requests == tried


async def test_ops_see_failing_endpoints_and_the_backlog_in_the_cli_and_the_page(
    hooks: Hooks,
) -> None:
    import asyncio
    import json
    import sys

    import uvicorn
    from credmarket_infra.opspage.app import create_app as create_ops_page
    from credmarket_infra.opspage.settings import OpsPageSettings
    from credmarket_testing.ports import free_port

    provider = await hooks.provider()
    async with running_receiver(mode="fail", now=hooks.clock.now) as rx:
        created = await hooks.endpoint(provider, rx.url, [ACTIVATED])
        endpoint_id = created["endpoint"]["id"]
        pid = uuid.UUID(provider["id"])
        for _ in range(2):
            await hooks.publish(make_event(ACTIVATED, enrollment_id=uuid.uuid4(), provider_id=pid))

        async def failing() -> bool:
            items = await hooks.messages(provider, endpoint_id)
            return len(items) == 2 and all(m["attempts"] >= 1 for m in items)

        await wait_until(failing, timeout=60, message="no failed attempts")

        # catalog on a real port, as the CLI and the page reach it.
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                hooks.app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
            )
        )
        serving = asyncio.create_task(server.serve())
        try:
            await wait_until(lambda: server.started, timeout=10, message="catalog not serving")
            catalog_url = f"http://127.0.0.1:{port}"
            token = hooks.ops["Authorization"].removeprefix("Bearer ")

            cli = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                "from credmarket_infra.ops.cli import main; main()",
                "webhooks",
                "--catalog",
                catalog_url,
                "--json",
                env={"CREDMARKET_OPS_TOKEN": token, "PATH": "/usr/bin:/bin"},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, err = await cli.communicate()
            assert cli.returncode == 1, err.decode()  # something needs ops
            overview = json.loads(out)
            [health] = overview["failing_endpoints"]
            assert health["endpoint"]["id"] == endpoint_id
            assert health["pending"] == 2
            assert overview["pending"] >= 2

            page = create_ops_page(
                OpsPageSettings(
                    kafka_bootstrap=hooks.settings.kafka_bootstrap,
                    jwt_issuers="credmarket-dev",
                    jwt_dev_secret=hooks.settings.jwt_dev_secret,
                    dev_mode=True,
                    catalog_url=catalog_url,
                )
            )
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=page), base_url="http://ops.test"
            ) as ops_page:
                shown = await ops_page.get("/api/webhooks", headers=hooks.ops)
                assert shown.status_code == 200, shown.text
                assert [h["endpoint"]["id"] for h in shown.json()["failing_endpoints"]] == [
                    endpoint_id
                ]
                anonymous = await ops_page.get("/api/webhooks")
                assert anonymous.status_code == 401
        finally:
            server.should_exit = True
            await serving


async def test_one_ping_at_a_time(hooks: Hooks) -> None:
    provider = await hooks.provider()
    async with running_receiver(mode="fail", now=hooks.clock.now) as rx:
        created = await hooks.endpoint(provider, rx.url, [ACTIVATED])
        endpoint_id = created["endpoint"]["id"]
        path = f"/v1/webhook-endpoints/{endpoint_id}/pings"
        first = await hooks.client.post(path, headers=provider["headers"])
        assert first.status_code == 202
        second = await hooks.client.post(path, headers=provider["headers"])
        assert second.status_code == 429
        assert second.headers["retry-after"] == "5"
        await wait_until(lambda: rx.requests >= 1, timeout=30, message="ping never tried")
        # Still pending (the receiver fails, a retry is due later): still refused.
        assert (await hooks.client.post(path, headers=provider["headers"])).status_code == 429


async def test_a_slow_receiver_holds_its_own_slots_never_another_providers(
    hooks: Hooks,
) -> None:
    slow_provider = await hooks.provider()
    fast_provider = await hooks.provider()
    release = asyncio.Event()
    async with (
        running_receiver(now=hooks.clock.now, hold=release) as slow,
        running_receiver(now=hooks.clock.now) as fast,
    ):
        slow_endpoint = await hooks.endpoint(slow_provider, slow.url, [ACTIVATED])
        slow.secrets["s"] = slow_endpoint["secret"]
        fast_endpoint = await hooks.endpoint(fast_provider, fast.url, [ACTIVATED])
        fast.secrets["s"] = fast_endpoint["secret"]
        slow_id, fast_id = uuid.UUID(slow_provider["id"]), uuid.UUID(fast_provider["id"])
        for _ in range(12):
            await hooks.publish(
                make_event(ACTIVATED, enrollment_id=uuid.uuid4(), provider_id=slow_id)
            )
        limit = hooks.settings.webhook_endpoint_concurrency
        await wait_until(lambda: slow.in_flight == limit, timeout=60, message="slow not busy")
        for _ in range(5):
            await hooks.publish(
                make_event(ACTIVATED, enrollment_id=uuid.uuid4(), provider_id=fast_id)
            )
        # The fast provider's receiver gets everything while the slow one still holds.
        await wait_until(lambda: len(fast.deliveries) == 5, timeout=60, message="fast starved")
        assert slow.in_flight == limit
        assert not slow.deliveries
        release.set()
        await wait_until(lambda: len(slow.deliveries) == 12, timeout=60, message="slow lost some")
        assert slow.most_in_flight == limit


async def test_a_disabled_endpoint_waits_and_gets_what_it_missed_once_enabled(
    hooks: Hooks,
) -> None:
    provider = await hooks.provider()
    async with running_receiver(now=hooks.clock.now) as rx:
        created = await hooks.endpoint(provider, rx.url, [ACTIVATED])
        rx.secrets["s"] = created["secret"]
        endpoint_id = created["endpoint"]["id"]
        path = f"/v1/webhook-endpoints/{endpoint_id}"
        off = await hooks.client.patch(path, json={"enabled": False}, headers=provider["headers"])
        assert off.status_code == 200, off.text
        assert off.json()["disabled_reason"] == "provider"
        # A ping to a disabled endpoint is refused.
        ping = await hooks.client.post(f"{path}/pings", headers=provider["headers"])
        assert ping.status_code == 409
        pid = uuid.UUID(provider["id"])
        # Enqueued for an endpoint that is enabled when the event arrives: re-enable first
        # so the message exists, then take it away and watch it wait.
        on = await hooks.client.patch(path, json={"enabled": True}, headers=provider["headers"])
        assert on.json()["enabled"] is True
        await hooks.publish(make_event(ACTIVATED, enrollment_id=uuid.uuid4(), provider_id=pid))
        await wait_until(lambda: len(rx.deliveries) == 1, timeout=60, message="not delivered")
        await hooks.client.patch(path, json={"enabled": False}, headers=provider["headers"])
        # Redelivery of everything is asked while disabled: it waits for the endpoint.
        since = (hooks.clock.now() - timedelta(hours=1)).isoformat()
        again = await hooks.client.post(
            f"{path}/redeliveries", json={"since": since}, headers=provider["headers"]
        )
        assert again.json() == {"redelivered": 1}
        [waiting] = await hooks.messages(provider, endpoint_id)
        assert waiting["status"] == "pending"
        assert rx.requests == 1
        await hooks.client.patch(path, json={"enabled": True}, headers=provider["headers"])
        await wait_until(lambda: rx.duplicates == 1, timeout=30, message="not sent once enabled")


async def test_a_credential_heard_before_its_completion_waits_and_each_endpoint_gets_its_types(
    hooks: Hooks,
) -> None:
    provider = await hooks.provider()
    async with (
        running_receiver(now=hooks.clock.now) as outcomes,
        running_receiver(now=hooks.clock.now) as starts,
        running_receiver(now=hooks.clock.now) as switched_off,
    ):
        wants_outcomes = await hooks.endpoint(provider, outcomes.url, [COMPLETED, ISSUED])
        outcomes.secrets["s"] = wants_outcomes["secret"]
        wants_starts = await hooks.endpoint(provider, starts.url, [ACTIVATED])
        starts.secrets["s"] = wants_starts["secret"]
        # Subscribed to everything but disabled before any event arrives: nothing for it.
        off = await hooks.endpoint(provider, switched_off.url)
        off_id = off["endpoint"]["id"]
        disabled = await hooks.client.patch(
            f"/v1/webhook-endpoints/{off_id}", json={"enabled": False}, headers=provider["headers"]
        )
        assert disabled.status_code == 200, disabled.text

        enrollment_id, steps = _enrollment_events(provider["id"])
        # The credential is read before the enrollment step that caused it.
        await hooks.publish(
            make_event(ISSUED, enrollment_id=uuid.UUID(enrollment_id)), source="/issuance"
        )
        for step in steps:
            await hooks.publish(step)

        await wait_until(
            lambda: len(outcomes.deliveries) == 2, timeout=60, message="outcomes missing"
        )
        await wait_until(lambda: len(starts.deliveries) == 1, timeout=60, message="start missing")
        assert [d.event["type"] for d in outcomes.deliveries] == [COMPLETED, ISSUED]
        assert [d.event["type"] for d in starts.deliveries] == [ACTIVATED]
        assert {d.event["data"]["enrollment_id"] for d in outcomes.deliveries} == {enrollment_id}
        assert await hooks.messages(provider, off_id) == []
        assert switched_off.requests == 0
        assert outcomes.unverified == starts.unverified == 0
