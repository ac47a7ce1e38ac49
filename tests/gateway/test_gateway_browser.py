"""CORS and the API reference in a real headless browser (Debian's chromium, playwright).

A page served from another origin calls the gateway as the frontend does: a search,
then a purchase with a learner's bearer token (preflighted). From the allowed origin
both succeed; from any other origin the browser blocks them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from credmarket_testing.browser import CHROMIUM, CHROMIUM_ARGS
from credmarket_testing.system import System

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="needs Debian's chromium at /usr/bin/chromium",
    ),
]


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def _run_page(browser: Any, origin: str, gateway: str, token: str, q: str) -> Any:
    page = await browser.new_page()
    try:
        query = urlencode({"gateway": gateway, "token": token, "q": q})
        await page.goto(f"{origin}/cors-test.html?{query}")
        await page.wait_for_selector("body[data-done=true]", timeout=30_000)
        return json.loads(await page.inner_text("#log"))
    finally:
        await page.close()


async def test_allowed_origin_searches_and_buys_through_the_gateway(
    system: System, browser: Any, page_origins: Any, offering: Any
) -> None:
    learner = system.token("learner", email="ada@learners.example")
    result = await _run_page(
        browser, page_origins.allowed, system.gateway_url, learner, offering.title
    )
    assert result["origin"] == page_origins.allowed
    search = result["search"]
    assert search["ok"], result
    assert [item["id"] for item in search["body"]["items"]] == [offering.id]
    purchase = result["purchase"]
    assert purchase["ok"], result
    assert purchase["status"] in (201, 202)
    assert purchase["body"]["offering_id"] == offering.id
    # Exposed to the page's code by Access-Control-Expose-Headers.
    assert purchase["requestId"]

    rows = await system.query(
        "enrollment",
        "SELECT status FROM enrollments WHERE id = $1",
        uuid.UUID(purchase["body"]["id"]),
    )
    assert len(rows) == 1


async def test_disallowed_origin_is_blocked_by_the_browser(
    system: System, browser: Any, page_origins: Any, offering: Any
) -> None:
    learner_id = uuid.uuid4()
    learner = system.token("learner", str(learner_id), email="eve@learners.example")
    result = await _run_page(
        browser, page_origins.disallowed, system.gateway_url, learner, offering.title
    )
    assert result["origin"] == page_origins.disallowed
    assert result["search"]["blocked"], result
    assert result["purchase"]["blocked"], result
    # The preflight failed, so the purchase never reached enrollment.
    rows = await system.query(
        "enrollment", "SELECT count(*) AS n FROM enrollments WHERE learner_id = $1", learner_id
    )
    assert rows[0]["n"] == 0


async def test_api_reference_page_renders_the_merged_document(system: System, browser: Any) -> None:
    page = await browser.new_page()
    outside: list[str] = []
    gateway_host = urlsplit(system.gateway_url).netloc
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if urlsplit(request.url).netloc != gateway_host else None
        ),
    )
    try:
        await page.goto(f"{system.gateway_url}/docs/")
        await page.wait_for_selector("body[data-rendered=true]", timeout=15_000)
        services = await page.eval_on_selector_all(
            "section.service > h2", "nodes => nodes.map(n => n.textContent)"
        )
        assert services[:4] == ["catalog", "enrollment", "payments", "issuance"]
        purchase = page.locator(
            "#service-enrollment details.operation",
            has_text="/enrollment/v1/enrollments",
        ).filter(has_text="POST")
        await purchase.first.click()
        text = await purchase.first.inner_text()
        assert "bearer JWT" in text
        assert "offering_id" in text  # the request schema, $refs resolved
        assert "Idempotency-Key" in text  # a header parameter
        webhook = page.locator("details.operation", has_text="/payments/v1/stripe/webhook")
        assert "Stripe signature" in await webhook.first.inner_text()
        search = page.locator("details.operation", has_text="/catalog/v1/offerings").first
        assert "public" in await search.inner_text()
        assert await page.locator("a#asyncapi-link").get_attribute("href") == "asyncapi.json"
        assert outside == []
    finally:
        await page.close()


async def test_allowed_origin_reads_a_credential_its_did_and_its_status_list(
    system: System, browser: Any, page_origins: Any, issued_credential: Any
) -> None:
    page = await browser.new_page()
    try:
        query = urlencode({"gateway": system.gateway_url, "credential": issued_credential.id})
        await page.goto(f"{page_origins.allowed}/documents-test.html?{query}")
        await page.wait_for_selector("body[data-done=true]", timeout=30_000)
        result = json.loads(await page.inner_text("#log"))
    finally:
        await page.close()
    # Before issue 19 the credential carried two Access-Control-Allow-Origin values
    # and the browser refused it: the page's code never saw it.
    credential, did, status_list = result["credential"], result["did"], result["statusList"]
    assert credential["ok"], result
    assert credential["body"]["id"].endswith(issued_credential.id)
    assert "OpenBadgeCredential" in credential["body"]["type"]
    assert did["ok"], result
    assert did["body"]["id"] == credential["body"]["issuer"]["id"]
    assert did["body"]["assertionMethod"]
    assert status_list["ok"], result
    assert "BitstringStatusListCredential" in status_list["body"]["type"]
