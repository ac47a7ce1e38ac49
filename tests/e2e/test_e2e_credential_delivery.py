"""A learner takes their credential out through the gateway: a wallet, a baked badge, LinkedIn."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from credmarket_infra.demo.client import Marketplace
from credmarket_testing.actors import Learner, Provider, buy
from credmarket_testing.system import System
from credmarket_testing.wallet import run_wallet

pytestmark = pytest.mark.e2e


async def test_a_free_course_credential_goes_to_a_wallet_a_baked_badge_and_linkedin(
    system: System, market: Marketplace, provider: Provider, learner: Learner
) -> None:
    offering = await market.publish_offering(provider.token, "Wallet-ready Course", price=0)
    enrollment = await buy(market, learner, offering)
    await market.report_completion(provider.token, enrollment["id"])
    done = await market.wait_for_enrollment(
        learner.token, enrollment["id"], lambda v: bool(v["credential"]), what="the credential"
    )
    credential_id = done["credential"]["credential_id"]
    gateway = system.gateway_url
    bearer = {"Authorization": f"Bearer {learner.token}"}

    async with httpx.AsyncClient(base_url=gateway, timeout=30) as http:
        offer = await http.post(
            f"/issuance/v1/credentials/{credential_id}/wallet-offers", json={}, headers=bearer
        )
        assert offer.status_code == 201, offer.text
        assert offer.json()["credential_offer"]["credential_issuer"] == gateway
        got = await run_wallet(
            offer=offer.json()["credential_offer_uri"], txCode=offer.json()["tx_code"]
        )
        assert got["ok"] is True, got
        assert got["credential"]["credentialSubject"]["id"] == got["holder"]
        report = await market.verify(got["credential"])
        assert report["status"] == "valid", report

        png = await http.get(f"/credentials/{credential_id}/badge.png")
        assert png.status_code == 200
        baked = await http.post(
            "/issuance/v1/verify/baked", content=png.content, headers={"Content-Type": "image/png"}
        )
        assert baked.status_code == 200, baked.text
        assert baked.json()["status"] == "valid"

        page = (await http.get(f"/credentials/{credential_id}/share")).text
        start = page.index('class="linkedin" href="') + len('class="linkedin" href="')
        link = page[start : page.index('"', start)].replace("&amp;", "&")
        query = parse_qs(urlsplit(link).query)
        assert query["certUrl"] == [f"{gateway}/credentials/{credential_id}/share"]
        assert query["name"] == ["Wallet-ready Course — Certified"]
