"""The learner's live status stream (SSE) on the real broker and database, over real HTTP."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from credmarket_events.payments import PaymentFailedV1, PaymentInitiatedV1, PaymentSucceededV1
from credmarket_events.testing import make_event
from credmarket_testing.wait import wait_until
from enrollment.runtime import EnrollmentRuntime
from enrollment_harness import (
    Running,
    idem,
    produce,
    publish_offering,
    running_app,
    settings_for,
    token,
)

pytestmark = pytest.mark.integration
EVENT_TIMEOUT_S = 30


@dataclass
class Served:
    r: Running
    url: str


@pytest.fixture
async def served(database_url: str, topic_prefix: str, kafka_bootstrap: str) -> Any:
    settings = settings_for(database_url, topic_prefix, kafka_bootstrap)
    settings.live_heartbeat_s = 0.5
    async with running_app(settings) as r:
        config = uvicorn.Config(r.app, host="127.0.0.1", port=0, lifespan="off", log_config=None)
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        try:
            await wait_until(lambda: server.started, timeout=10, message="uvicorn did not start")
            port = server.servers[0].sockets[0].getsockname()[1]
            yield Served(r, f"http://127.0.0.1:{port}")
        finally:
            server.should_exit = True
            await task


@dataclass
class Event:
    id: int
    kind: str
    data: dict[str, Any]


async def events(response: httpx.Response) -> AsyncIterator[Event]:
    """Server-Sent Events as a browser reads them: fields until a blank line."""
    fields: dict[str, str] = {}
    async for line in response.aiter_lines():
        if line == "":
            if "data" in fields:
                yield Event(int(fields["id"]), fields["event"], json.loads(fields["data"]))
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            fields[name] = value


async def next_event(stream: AsyncIterator[Event]) -> Event:
    return await asyncio.wait_for(anext(stream), EVENT_TIMEOUT_S)


async def test_a_purchase_is_told_live_and_a_reconnect_resumes_after_the_last_event(
    served: Served,
) -> None:
    r = served.r
    learner = uuid.uuid4()
    offering = await publish_offering(r, price=4900)
    bought = await r.client.post(
        "/v1/enrollments",
        json={"offering_id": str(offering.offering_id), "offering_version": 1},
        headers={**token("learner", learner), **idem()},
    )
    assert bought.status_code == 201, bought.text
    eid = bought.json()["id"]
    url = f"{served.url}/v1/enrollments/{eid}/events"
    auth = token("learner", learner)
    pid = uuid.uuid4()
    initiated = make_event(PaymentInitiatedV1, payment_id=pid, enrollment_id=uuid.UUID(eid))

    async with httpx.AsyncClient(timeout=EVENT_TIMEOUT_S) as http:
        async with http.stream("GET", url, headers=auth) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["x-accel-buffering"] == "no"
            stream = events(response)
            requested = await next_event(stream)
            assert (requested.kind, requested.data["status"]) == (
                "enrollment.requested",
                "pending_payment",
            )
            # Payments announces the PaymentIntent: the stream brings its client secret.
            await produce(r.settings.kafka_bootstrap, r.settings.topic_prefix, initiated)
            got = await next_event(stream)
            assert got.kind == "payment.initiated"
            assert got.data["client_secret"] == initiated.client_secret
            assert got.id > requested.id
            seen_initiated = got.id

        # Offline, the card is declined and then another card succeeds.
        failed = make_event(
            PaymentFailedV1,
            payment_id=pid,
            enrollment_id=uuid.UUID(eid),
            reason="Your card has insufficient funds.",
            decline_code="insufficient_funds",
        )
        succeeded = make_event(
            PaymentSucceededV1,
            payment_id=pid,
            enrollment_id=uuid.UUID(eid),
            stripe_payment_intent_id=initiated.stripe_payment_intent_id,
        )
        await produce(r.settings.kafka_bootstrap, r.settings.topic_prefix, failed, succeeded)

        resumed = {**auth, "Last-Event-ID": str(seen_initiated)}
        async with http.stream("GET", url, headers=resumed) as response:
            stream = events(response)
            first = await next_event(stream)
            assert first.kind == "payment.failed", "resumes after the last event seen"
            assert first.data["decline_code"] == "insufficient_funds"
            second = await next_event(stream)
            assert (second.kind, second.data["status"]) == ("enrollment.activated", "active")


async def test_only_its_learner_may_watch_an_enrollment(served: Served) -> None:
    r = served.r
    learner = uuid.uuid4()
    offering = await publish_offering(r, price=0)
    bought = await r.client.post(
        "/v1/enrollments",
        json={"offering_id": str(offering.offering_id), "offering_version": 1},
        headers={**token("learner", learner), **idem()},
    )
    eid = bought.json()["id"]
    async with httpx.AsyncClient(base_url=served.url, timeout=10) as http:
        path = f"/v1/enrollments/{eid}/events"
        assert (await http.get(path)).status_code == 401
        stranger = await http.get(path, headers=token("learner", uuid.uuid4()))
        assert stranger.status_code == 404
        assert stranger.json()["type"] == "urn:credmarket:problem:not-found"
        provider = await http.get(path, headers=token("provider", offering.provider_id))
        assert provider.status_code == 403
        bad_resume = await http.get(
            path, headers={**token("learner", learner), "Last-Event-ID": "x"}
        )
        assert bad_resume.status_code == 422
        # A free enrollment is active at once: the stream says so and stays open.
        async with http.stream("GET", path, headers=token("learner", learner)) as response:
            first = await next_event(events(response))
            assert (first.kind, first.data["status"]) == ("enrollment.activated", "active")


async def test_a_purchase_that_prefers_to_wait_answers_with_the_client_secret(
    served: Served,
) -> None:
    """`Prefer: wait=10`: the answer comes once payments announced the PaymentIntent."""
    r = served.r
    learner = uuid.uuid4()
    offering = await publish_offering(r, price=4900)
    purchase = asyncio.create_task(
        r.client.post(
            "/v1/enrollments",
            json={"offering_id": str(offering.offering_id), "offering_version": 1},
            headers={**token("learner", learner), **idem(), "Prefer": "wait=10"},
        )
    )

    async def enrollment_id() -> str | None:
        async with r.db.unit_of_work() as uow:
            rows = await uow.session.execute(
                sa.text("SELECT id FROM enrollments WHERE learner_id = :l"), {"l": learner}
            )
            found = rows.scalar_one_or_none()
        return str(found) if found else None

    async def committed() -> bool:
        return await enrollment_id() is not None

    await wait_until(committed, timeout=EVENT_TIMEOUT_S, message="purchase not committed")
    eid = await enrollment_id()
    assert eid is not None
    assert not purchase.done(), "answered before the PaymentIntent existed"
    initiated = make_event(
        PaymentInitiatedV1, payment_id=uuid.uuid4(), enrollment_id=uuid.UUID(eid)
    )
    await produce(r.settings.kafka_bootstrap, r.settings.topic_prefix, initiated)

    answer = await asyncio.wait_for(purchase, EVENT_TIMEOUT_S)
    assert answer.status_code == 201, answer.text
    assert answer.headers["preference-applied"] == "wait=10"
    assert answer.json()["next_action"]["type"] == "confirm_payment"
    assert answer.json()["next_action"]["client_secret"] == initiated.client_secret


async def test_streams_are_bounded_in_number_and_in_time(served: Served) -> None:
    r = served.r
    learner = uuid.uuid4()
    offering = await publish_offering(r, price=0)
    bought = await r.client.post(
        "/v1/enrollments",
        json={"offering_id": str(offering.offering_id), "offering_version": 1},
        headers={**token("learner", learner), **idem()},
    )
    url = f"{served.url}/v1/enrollments/{bought.json()['id']}/events"
    auth = token("learner", learner)
    runtime = r.app.state.runtime
    assert isinstance(runtime, EnrollmentRuntime)
    runtime.updates.max_streams = 1
    r.settings.live_max_stream_s = 2

    async with httpx.AsyncClient(timeout=EVENT_TIMEOUT_S) as http:
        async with http.stream("GET", url, headers=auth) as first:
            stream = events(first)
            assert (await next_event(stream)).kind == "enrollment.activated"
            refused = await http.get(url, headers=auth)
            assert refused.status_code == 503
            assert refused.json()["type"] == "urn:credmarket:problem:overloaded"
            assert refused.headers["retry-after"] == "5"

            # The stream ends by itself once its time is up; the client reconnects.
            async def the_rest() -> list[Event]:
                return [event async for event in stream]

            assert await asyncio.wait_for(the_rest(), EVENT_TIMEOUT_S) == []
        async with http.stream("GET", url, headers=auth) as again:
            assert again.status_code == 200
