"""The reference storefront in real headless Chromium (Debian's, driven by Playwright).

A learner searches, opens the offering, buys it, pays in the page with the Stripe
stand-in's Stripe.js mock, and watches the enrollment become active and then receive its
credential once the provider completes it through the API, without reloading; a declined
card is shown and another card then pays. All through the gateway: one origin, the typed
client, the live status stream (ADR 0026).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from credmarket_infra.demo.client import Marketplace
from credmarket_infra.demo.stripe_js import TEST_CARD_DECLINED, TEST_CARD_OK
from credmarket_testing.browser import CHROMIUM, CHROMIUM_ARGS
from credmarket_testing.system import System

if TYPE_CHECKING:
    from tests.gateway.conftest import PublishedOffering

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"needs Debian's chromium at {CHROMIUM}"
    ),
]

STEP_MS = 30_000


@pytest.fixture
async def page(system: System) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            problems: list[str] = []
            page.on("pageerror", lambda error: problems.append(str(error)))
            yield page
            assert not problems, f"the page threw: {problems}"
        finally:
            await browser.close()


async def open_storefront(page: Any, system: System, learner_token: str) -> str:
    await page.goto(f"{system.gateway_url}/storefront/#token={learner_token}")
    await page.wait_for_selector("body[data-ready=true]", timeout=STEP_MS)
    loaded_at: str = await page.get_attribute("body", "data-loaded-at")
    return loaded_at


async def buy(page: Any, offering: PublishedOffering) -> str:
    await page.fill("#q", offering.title)
    await page.click("#search button[type=submit]")
    await page.click(f"a.offering-link[data-id='{offering.id}']", timeout=STEP_MS)
    await page.wait_for_selector(f"#offering[data-id='{offering.id}']", timeout=STEP_MS)
    await page.click("#buy")
    await page.wait_for_selector("#enrollment[data-id]", timeout=STEP_MS)
    enrollment_id: str = await page.get_attribute("#enrollment", "data-id")
    return enrollment_id


async def pay_with(page: Any, card: str) -> None:
    # The card element is the stand-in's Stripe.js mock, mounted once the PaymentIntent
    # exists (its client secret arrives on the live status stream).
    await page.wait_for_selector("#card input[placeholder=number]", timeout=STEP_MS)
    await page.fill("#card input[placeholder=number]", card)
    await page.fill("#card input[placeholder=exp_month]", "12")
    await page.fill("#card input[placeholder=exp_year]", "34")
    await page.fill("#card input[placeholder=cvc]", "123")
    await page.fill("#card input[placeholder=postal_code]", "75001")
    await page.click("#pay")


async def test_a_learner_buys_pays_and_gets_the_credential_without_reloading(
    system: System, page: Any, offering: PublishedOffering, direct: Marketplace
) -> None:
    learner = system.token("learner", str(uuid.uuid4()), email="ada@learners.example")
    loaded_at = await open_storefront(page, system, learner)
    enrollment_id = await buy(page, offering)
    await pay_with(page, TEST_CARD_OK)
    await page.wait_for_selector("#status[data-status=active]", timeout=STEP_MS)
    assert await page.is_hidden("#payment")

    # The provider reports the result through the API; the page hears of it live.
    await direct.report_completion(offering.provider_token, enrollment_id)
    await page.wait_for_selector("#credential:not([hidden])", timeout=STEP_MS)
    assert await page.get_attribute("#status", "data-status") == "completed"
    share_url = await page.get_attribute("#share-link", "href")
    assert share_url is not None
    assert share_url.startswith(f"{system.gateway_url}/credentials/")
    kinds = await page.eval_on_selector_all("#events li", "items => items.map(i => i.dataset.kind)")
    assert kinds[0] == "enrollment.requested"
    assert {"payment.initiated", "enrollment.activated", "enrollment.completed"} <= set(kinds)
    assert kinds[-1] == "credential.issued"
    # Everything happened in the one page load.
    assert await page.get_attribute("body", "data-loaded-at") == loaded_at

    # Into a wallet: the offer as a QR code, a link and the transaction code to type.
    await page.click("#add-to-wallet")
    await page.wait_for_selector("#wallet-offer:not([hidden])", timeout=STEP_MS)
    qr = await page.get_attribute("#wallet-qr", "src")
    assert qr is not None
    assert qr.startswith("data:image/svg+xml")
    assert await page.eval_on_selector("#wallet-qr", "img => img.naturalWidth") > 0
    offer_link = await page.get_attribute("#wallet-link", "href")
    assert offer_link is not None
    assert offer_link.startswith("openid-credential-offer://?credential_offer=")
    tx_code = await page.inner_text("#wallet-tx-code")
    assert len(tx_code) == 6
    assert tx_code.isdigit()

    await page.click("#share-link")
    await page.wait_for_url(share_url, timeout=STEP_MS)
    # The share page names what was achieved: the offering's achievement (its title).
    assert offering.title in await page.content()


async def test_a_declined_card_is_shown_and_another_card_pays(
    system: System, page: Any, offering: PublishedOffering
) -> None:
    learner = system.token("learner", str(uuid.uuid4()), email="grace@learners.example")
    loaded_at = await open_storefront(page, system, learner)
    await buy(page, offering)
    await pay_with(page, TEST_CARD_DECLINED)
    await page.wait_for_selector("#payment-error:not([hidden])", timeout=STEP_MS)
    assert "declined" in (await page.inner_text("#payment-error")).lower()
    assert await page.get_attribute("#status", "data-status") == "pending_payment"

    await pay_with(page, TEST_CARD_OK)
    await page.wait_for_selector("#status[data-status=active]", timeout=STEP_MS)
    kinds = await page.eval_on_selector_all("#events li", "items => items.map(i => i.dataset.kind)")
    assert "payment.failed" in kinds
    assert kinds.index("payment.failed") < kinds.index("enrollment.activated")
    assert await page.get_attribute("body", "data-loaded-at") == loaded_at


async def test_a_learner_lets_a_badge_host_in_from_the_storefront(
    system: System, page: Any
) -> None:
    import base64
    import hashlib
    import secrets

    import httpx

    learner_id = str(uuid.uuid4())
    learner = system.token("learner", learner_id)
    callback = f"{system.gateway_url}/docs/"  # plain http: the dev stack runs in dev mode
    async with httpx.AsyncClient(base_url=system.gateway_url, timeout=30) as http:
        registered = await http.post(
            "/ims/ob/v3p0/auth/register",
            json={"client_name": "Backpack Example", "redirect_uris": [callback]},
        )
        assert registered.status_code == 201, registered.text
        client = registered.json()
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        start = await http.get(
            "/ims/ob/v3p0/auth/authorize",
            params={
                "response_type": "code",
                "client_id": client["client_id"],
                "redirect_uri": callback,
                "scope": "https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.readonly",
                "state": "xyz",
                "code_challenge": challenge.rstrip(b"=").decode(),
                "code_challenge_method": "S256",
            },
        )
        assert start.status_code == 302, start.text
        consent_url = start.headers["location"]
        assert consent_url.startswith(f"{system.gateway_url}/storefront/?request=")

        await page.goto(f"{consent_url}#token={learner}")
        await page.wait_for_selector("#consent:not([hidden])", timeout=STEP_MS)
        assert await page.inner_text("#consent-client") == "Backpack Example"
        assert "profile" in await page.inner_text("#consent-scopes")
        await page.click("#consent-approve")
        await page.wait_for_url(f"{callback}?code=*", timeout=STEP_MS)
        back = httpx.URL(page.url).params
        assert back["state"] == "xyz"

        tokens = await http.post(
            "/ims/ob/v3p0/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": back["code"],
                "redirect_uri": callback,
                "code_verifier": verifier,
            },
            auth=(client["client_id"], client["client_secret"]),
        )
        assert tokens.status_code == 200, tokens.text
        profile = await http.get(
            "/ims/ob/v3p0/profile",
            headers={"Authorization": f"Bearer {tokens.json()['access_token']}"},
        )
        assert profile.json()["id"] == f"urn:uuid:{learner_id}"
