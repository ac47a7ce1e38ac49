"""The ops page in a real headless browser (Debian's chromium driven by playwright).

The page is served by uvicorn in this test's loop, pointed at this test's topics;
the browser logs in with an ops token, watches events appear as they are
produced, and replays a dead letter with a click.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
import uvicorn
from credmarket_events.catalog import ProviderRegisteredV1
from credmarket_events.enrollment import EnrollmentRequestedV1
from credmarket_events.envelope import encode
from credmarket_events.testing import make_envelope
from credmarket_infra.ops.ledger import read_ledger
from credmarket_infra.ops.reading import read_existing
from credmarket_infra.ops.target import OpsTarget
from credmarket_infra.opspage.app import create_app
from credmarket_infra.opspage.settings import OpsPageSettings
from credmarket_platform.auth import mint_token
from credmarket_platform.auth.principal import Role
from credmarket_platform.messaging.dead_letters import dead_letter_headers
from credmarket_testing.browser import CHROMIUM, CHROMIUM_ARGS
from credmarket_testing.kafka import create_topics
from credmarket_testing.ports import free_port
from credmarket_testing.wait import wait_until

pytestmark = pytest.mark.integration

DEV_SECRET = "ops-page-test-secret-0123456789abcdef0123"
ISSUER = "credmarket-dev"


def token(role: Role) -> str:
    return mint_token(
        f"{role}-{uuid.uuid4()}", role, issuer=ISSUER, secret=DEV_SECRET, ttl=timedelta(minutes=10)
    )


@pytest.fixture
async def page_url(kafka_bootstrap: str, topic_prefix: str) -> AsyncIterator[str]:
    settings = OpsPageSettings(
        kafka_bootstrap=kafka_bootstrap,
        topic_prefix=topic_prefix,
        jwt_issuers=ISSUER,
        jwt_dev_secret=DEV_SECRET,
        dev_mode=True,
        flow_minutes=5,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    await wait_until(lambda: server.started, timeout=20, message="ops page did not start")
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await asyncio.wait_for(task, 20)


async def test_the_api_wants_an_ops_token(page_url: str) -> None:
    async with httpx.AsyncClient(base_url=page_url) as client:
        shell = await client.get("/")
        assert shell.status_code == 200
        assert "default-src 'self'" in shell.headers["content-security-policy"]
        assert (await client.get("/api/lag")).status_code == 401
        learner = {"Authorization": f"Bearer {token('learner')}"}
        assert (await client.get("/api/lag", headers=learner)).status_code == 403
        replay = await client.post(
            "/api/dlq/replay", json={"dlq_topic": "x", "partition": 0, "offset": 0}, headers=learner
        )
        assert replay.status_code == 403
        ops = {"Authorization": f"Bearer {token('ops')}"}
        assert (await client.get("/api/lag", headers=ops)).status_code == 200


@pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium at /usr/bin/chromium"
)
async def test_the_page_shows_live_events_and_replays_a_dead_letter_with_a_click(
    page_url: str,
    publish: Any,
    producer: Any,
    ops_target: OpsTarget,
    topic_prefix: str,
    kafka_bootstrap: str,
    new_purchase: Callable[..., Any],
) -> None:
    from playwright.async_api import async_playwright, expect

    elsewhere: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            page.on(
                "request",
                lambda r: (
                    None if urlparse(r.url).hostname == "127.0.0.1" else elsewhere.append(r.url)
                ),
            )
            await page.goto(page_url)

            await page.fill("#token", token("ops"))
            await page.click("#login-button")
            await expect(page.locator("#dashboard")).to_be_visible()
            await expect(page.locator("#status")).to_contain_text("updated")

            # Produced after the page loaded: the polling picks them up.
            live = make_envelope(ProviderRegisteredV1)
            await publish(live)
            await expect(page.locator(f'#recent-events [data-event-id="{live.id}"]')).to_be_visible(
                timeout=20_000
            )
            await expect(
                page.locator('#flow-tables table[data-topic="catalog.providers"]')
            ).to_contain_text("provider.registered.v1")

            # A dead letter, as payments' runner would have written it.
            request = make_envelope(EnrollmentRequestedV1)
            origin = await publish(request)
            message = encode(request)
            dlq = f"{topic_prefix}payments.dlq"
            await create_topics(kafka_bootstrap, [dlq], partitions=1)
            headers = dead_letter_headers(
                message.headers,
                error="RuntimeError('stripe unreachable')",
                reason="handler_failed",
                group=f"{topic_prefix}payments",
                topic=origin.topic,
                partition=origin.partition,
                offset=origin.offset,
                attempts=5,
            )
            await producer.send_and_wait(dlq, message.value, key=message.key, headers=headers)
            row = page.locator(f'#dlq-rows tr[data-dlq-key="{dlq}/0/0"]')
            await expect(row).to_contain_text("handler_failed", timeout=20_000)

            await row.locator("button.replay").click()

            await expect(row.locator(".replayed")).to_be_visible(timeout=20_000)
            await expect(page.locator("#dlq-message")).to_contain_text("replayed to")
            ledger = await read_ledger(ops_target)
            entry = ledger[f"{dlq}/0/0"]
            assert entry.replayed_to == origin.topic
            assert entry.by.startswith("page:ops-")
            copies = [
                r
                for r in await read_existing(kafka_bootstrap, [origin.topic])
                if r.event_id == request.id
            ]
            assert [r.offset for r in copies] == [origin.offset, entry.replayed_offset]
            assert copies[1].header("replayed_from") == f"{dlq}/0/0"

            # The trace box follows the purchase, the replayed copy included.
            flow = new_purchase()
            for envelope in flow.events:
                await publish(envelope)
            await page.fill("#trace-query", str(flow.enrollment_id))
            await page.click("#trace-form button")
            await expect(page.locator("#trace-table tr[data-event-id]")).to_have_count(5)
            await expect(page.locator("#trace-table")).to_contain_text("+1500 ms")
        finally:
            await browser.close()
    assert elsewhere == []
