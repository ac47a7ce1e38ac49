"""Buying, paying and getting the credential, as the frontend, a provider, Stripe and ops would."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from credmarket_infra.demo.client import Marketplace
from credmarket_infra.demo.stripe_js import (
    BROWSER_TEST_KEY,
    TEST_CARD_DECLINED,
    TEST_CARD_OK,
    confirm_card_payment,
)
from credmarket_testing.actors import Learner, Provider, buy, new_learner, pay
from credmarket_testing.system import System
from credmarket_testing.wait import wait_until

pytestmark = pytest.mark.e2e


async def payments_for(system: System, enrollment_id: str) -> list[Any]:
    return await system.query(
        "payments", "SELECT * FROM payments WHERE enrollment_id = $1", uuid.UUID(enrollment_id)
    )


async def test_paid_purchase_ends_in_a_verified_credential_and_a_refund_revokes_it(
    system: System, market: Marketplace, provider: Provider, learner: Learner
) -> None:
    title = f"Data Wrangling {uuid.uuid4().hex[:6]}"
    offering = await market.publish_offering(provider.token, title, price=4900)
    assert offering["status"] == "published"

    found: list[dict[str, Any]] = []

    async def searchable() -> bool:
        nonlocal found
        found = [o for o in await market.search(title) if o["id"] == offering["id"]]
        return bool(found)

    # The engine indexes a publication within about a second; the gateway may keep an
    # empty answer for its cache TTL on top.
    await wait_until(searchable, timeout=30, message="search never found the offering")
    assert found[0]["price"] == {"amount": 4900, "currency": "EUR"}

    enrollment = await buy(market, learner, offering)
    assert enrollment["status"] == "pending_payment"
    assert enrollment["price"] == {"amount": 4900, "currency": "EUR"}
    assert enrollment["quoted_price"] == enrollment["price"]  # deprecated, kept one version

    _, status = await pay(market, system, learner, enrollment["id"], TEST_CARD_OK)
    assert status == "succeeded"
    active = await market.wait_for_enrollment(
        learner.token, enrollment["id"], lambda v: v["status"] == "active", what="activation"
    )
    assert active["payment"]["client_secret"] is None  # no longer needed, no longer shown

    await market.report_completion(provider.token, enrollment["id"], passed=True, score=88)
    done = await market.wait_for_enrollment(
        learner.token, enrollment["id"], lambda v: bool(v["credential"]), what="the credential"
    )
    assert done["status"] == "completed"
    credential = await market.fetch_credential(done["credential"]["credential_id"])
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["credentialSubject"]["achievement"]["name"] == f"{title} — Certified"
    assert credential["issuer"]["id"].startswith("did:web:")
    report = await market.verify(credential)
    assert report["status"] == "valid", report
    assert {c["name"] for c in report["checks"] if c["passed"]} >= {"signature", "status"}
    assert done["credential"]["public_url"] == done["credential"]["share_url"]  # deprecated
    page = await market.share_page(done["credential"]["share_url"])
    assert f"{title} — Certified" in page

    [payment] = await payments_for(system, enrollment["id"])
    assert payment["status"] == "succeeded"
    refund = await market.refund(system.token("ops"), str(payment["id"]))
    assert refund["amount"] == {"amount": 4900, "currency": "EUR"}
    revoked = await market.wait_for_enrollment(
        learner.token, enrollment["id"], lambda v: v["status"] == "revoked", what="revocation"
    )
    assert revoked["revoke_reason"]
    after: dict[str, Any] = {}

    async def revoked_on_verify() -> bool:
        after.update(await market.verify(credential))
        return bool(after["status"] == "revoked")

    await wait_until(revoked_on_verify, timeout=10, message="the credential verifies as revoked")
    assert after["valid"] is False


async def test_free_offering_is_active_at_once_and_completes_to_a_credential(
    system: System, market: Marketplace, provider: Provider, learner: Learner
) -> None:
    offering = await market.publish_offering(provider.token, "Open Intro Course", price=0)
    enrollment = await buy(market, learner, offering)
    assert enrollment["status"] == "active"
    assert enrollment["payment"]["client_secret"] is None
    await market.report_completion(provider.token, enrollment["id"])
    done = await market.wait_for_enrollment(
        learner.token, enrollment["id"], lambda v: bool(v["credential"]), what="the credential"
    )
    report = await market.verify(await market.fetch_credential(done["credential"]["credential_id"]))
    assert report["status"] == "valid"
    assert await payments_for(system, enrollment["id"]) == []  # nothing to charge


async def test_a_declined_card_leaves_it_payable_and_another_card_activates_it(
    system: System, market: Marketplace, provider: Provider, learner: Learner
) -> None:
    offering = await market.publish_offering(provider.token, "Retry Course", price=2500)
    enrollment = await buy(market, learner, offering)
    view, status = await pay(market, system, learner, enrollment["id"], TEST_CARD_DECLINED)
    assert status == "requires_payment_method"
    failed = await market.wait_for_enrollment(
        learner.token,
        enrollment["id"],
        lambda v: bool(v["payment"]["last_error"]),
        what="the decline to be shown",
    )
    assert failed["status"] == "pending_payment"
    assert failed["payment"]["client_secret"] == view["payment"]["client_secret"]

    status = await confirm_card_payment(
        market.http,
        system.infra.stripe_api_base,
        BROWSER_TEST_KEY,
        view["payment"]["client_secret"],
        TEST_CARD_OK,
    )
    assert status == "succeeded"
    await market.wait_for_enrollment(
        learner.token, enrollment["id"], lambda v: v["status"] == "active", what="activation"
    )
    [payment] = await payments_for(system, enrollment["id"])
    assert payment["attempts_failed"] == 1


async def test_a_double_clicked_purchase_makes_one_enrollment_and_one_charge(
    system: System, market: Marketplace, provider: Provider, learner: Learner
) -> None:
    offering = await market.publish_offering(provider.token, "Popular Course", price=1900)
    first = await buy(market, learner, offering)
    key = str(uuid.uuid4())
    # The same click delivered twice (same key) and a second click (another key), at once.
    same_a, same_b, other = await asyncio.gather(
        market.purchase(learner.token, offering["id"], offering["version"], key),
        market.purchase(learner.token, offering["id"], offering["version"], key),
        market.purchase(learner.token, offering["id"], offering["version"]),
    )
    assert {same_a.status_code, same_b.status_code, other.status_code} <= {409}
    assert all(
        r.json().get("enrollment_id") == first["id"]
        for r in (same_a, other)
        if r.status_code == 409 and "enrollment_id" in r.json()
    )

    again = await market.purchase(learner.token, offering["id"], offering["version"], key)
    assert again.status_code == 409

    await pay(market, system, learner, first["id"], TEST_CARD_OK)
    await market.wait_for_enrollment(
        learner.token, first["id"], lambda v: v["status"] == "active", what="activation"
    )
    enrollments = await system.query(
        "enrollment",
        "SELECT id FROM enrollments WHERE learner_id = $1 AND offering_id = $2",
        uuid.UUID(learner.id),
        uuid.UUID(offering["id"]),
    )
    assert len(enrollments) == 1
    assert len(await payments_for(system, first["id"])) == 1


async def test_a_replayed_purchase_request_gets_the_first_answer(
    system: System, market: Marketplace, provider: Provider, learner: Learner
) -> None:
    offering = await market.publish_offering(provider.token, "Replay Course", price=1900)
    await buy(market, new_learner(system), offering)  # enrollment knows the offering now
    key = str(uuid.uuid4())
    first, second = await asyncio.gather(
        market.purchase(learner.token, offering["id"], offering["version"], key),
        market.purchase(learner.token, offering["id"], offering["version"], key),
    )
    statuses = sorted([first.status_code, second.status_code])
    # Either the retry saw the finished answer (replayed) or it arrived while the first
    # was still running (409, try again); never a second enrollment.
    assert statuses in ([201, 201], [201, 409])
    replay = await market.purchase(learner.token, offering["id"], offering["version"], key)
    assert replay.status_code == 201
    assert replay.headers.get("idempotent-replayed") == "true"
    assert replay.json()["id"] == first.json().get("id", second.json().get("id"))


async def test_several_learners_buy_at_once(
    system: System, market: Marketplace, provider: Provider
) -> None:
    offering = await market.publish_offering(provider.token, "Busy Course", price=990)
    learners = [new_learner(system) for _ in range(5)]
    enrollments = await asyncio.gather(*(buy(market, lr, offering) for lr in learners))
    await asyncio.gather(
        *(
            pay(market, system, lr, e["id"], TEST_CARD_OK)
            for lr, e in zip(learners, enrollments, strict=True)
        )
    )
    for lr, e in zip(learners, enrollments, strict=True):
        await market.wait_for_enrollment(lr.token, e["id"], lambda v: v["status"] == "active")
    rows = await system.query(
        "payments",
        "SELECT count(*) AS n FROM payments WHERE offering_id = $1",
        uuid.UUID(offering["id"]),
    )
    assert rows[0]["n"] == 5


async def test_the_api_answers_through_the_gateway_only_once_per_origin(
    system: System, market: Marketplace
) -> None:
    # The frontend needs one origin: every service answers under the gateway's prefixes.
    for service in ("catalog", "enrollment", "payments", "issuance"):
        response = await market.http.get(f"{system.gateway_url}/{service}/healthz")
        assert response.status_code == 200, (service, response.text)
    assert isinstance(market.http, httpx.AsyncClient)
