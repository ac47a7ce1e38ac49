"""Who may see and act on which enrollment."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from enrollment_harness import Running, idem, publish_offering, running_app, settings_for, token

pytestmark = pytest.mark.integration


@pytest.fixture
async def svc(database_url: str, topic_prefix: str, kafka_bootstrap: str) -> Any:
    settings = settings_for(database_url, topic_prefix, kafka_bootstrap)
    async with running_app(settings) as r:
        yield r


async def enrolled(r: Running, provider: uuid.UUID, learner: uuid.UUID, price: int = 4900) -> str:
    offering = await publish_offering(r, price=price, provider_id=provider)
    resp = await r.client.post(
        "/v1/enrollments",
        json={"offering_id": str(offering.offering_id), "offering_version": 1},
        headers={**token("learner", learner), **idem()},
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


async def test_no_token_is_401_everywhere(svc: Running) -> None:
    eid = uuid.uuid4()
    for method, path in [
        ("GET", "/v1/enrollments"),
        ("GET", f"/v1/enrollments/{eid}"),
        ("POST", "/v1/enrollments"),
        ("POST", f"/v1/enrollments/{eid}/cancel"),
        ("POST", f"/v1/enrollments/{eid}/completion"),
    ]:
        resp = await svc.client.request(method, path, json={})
        assert resp.status_code == 401, (method, path, resp.text)
        assert resp.headers["content-type"] == "application/problem+json"


async def test_a_learner_cannot_see_or_cancel_anothers_enrollment(svc: Running) -> None:
    owner, other = uuid.uuid4(), uuid.uuid4()
    eid = await enrolled(svc, uuid.uuid4(), owner)
    seen = await svc.client.get(f"/v1/enrollments/{eid}", headers=token("learner", other))
    assert seen.status_code == 404
    cancel = await svc.client.post(f"/v1/enrollments/{eid}/cancel", headers=token("learner", other))
    assert cancel.status_code == 404
    listed = await svc.client.get("/v1/enrollments", headers=token("learner", other))
    assert listed.json()["total"] == 0
    mine = await svc.client.get(f"/v1/enrollments/{eid}", headers=token("learner", owner))
    assert mine.status_code == 200
    assert mine.json()["status"] == "pending_payment"  # the failed cancel changed nothing


async def test_a_provider_cannot_complete_another_providers_enrollment(svc: Running) -> None:
    owner, intruder = uuid.uuid4(), uuid.uuid4()
    eid = await enrolled(svc, owner, uuid.uuid4(), price=0)
    resp = await svc.client.post(
        f"/v1/enrollments/{eid}/completion",
        json={"passed": True},
        headers=token("provider", intruder),
    )
    assert resp.status_code == 404
    seen = await svc.client.get(f"/v1/enrollments/{eid}", headers=token("provider", owner))
    assert seen.json()["status"] == "active"
    listed = await svc.client.get("/v1/enrollments", headers=token("provider", intruder))
    assert listed.json()["total"] == 0
    theirs = await svc.client.get("/v1/enrollments", headers=token("provider", owner))
    assert [i["id"] for i in theirs.json()["items"]] == [eid]


async def test_roles_are_checked(svc: Running) -> None:
    provider, learner = uuid.uuid4(), uuid.uuid4()
    eid = await enrolled(svc, provider, learner, price=0)
    as_provider = await svc.client.post(
        "/v1/enrollments",
        json={"offering_id": str(uuid.uuid4()), "offering_version": 1},
        headers={**token("provider", provider), **idem()},
    )
    assert as_provider.status_code == 403
    as_learner = await svc.client.post(
        f"/v1/enrollments/{eid}/completion",
        json={"passed": True},
        headers=token("learner", learner),
    )
    assert as_learner.status_code == 403
    ops = await svc.client.get(f"/v1/enrollments/{eid}", headers=token("ops", "ops-alice"))
    assert ops.status_code == 200
    assert ops.json()["payment"]["client_secret"] is None


async def test_a_learner_without_email_cannot_buy(svc: Running) -> None:
    offering = await publish_offering(svc)
    resp = await svc.client.post(
        "/v1/enrollments",
        json={"offering_id": str(offering.offering_id), "offering_version": 1},
        headers={**token("learner", uuid.uuid4(), email=None), **idem()},
    )
    assert resp.status_code == 403
    assert resp.json()["title"] == "Email required"


async def test_ops_can_cancel_an_unpaid_enrollment_and_a_provider_cannot(svc: Running) -> None:
    provider, learner = uuid.uuid4(), uuid.uuid4()
    eid = await enrolled(svc, provider, learner)
    refused = await svc.client.post(
        f"/v1/enrollments/{eid}/cancel", headers=token("provider", provider)
    )
    assert refused.status_code == 403, refused.text
    still = await svc.client.get(f"/v1/enrollments/{eid}", headers=token("learner", learner))
    assert still.json()["status"] == "pending_payment"

    cancelled = await svc.client.post(
        f"/v1/enrollments/{eid}/cancel", headers=token("ops", uuid.uuid4())
    )
    assert cancelled.status_code == 200, cancelled.text
    view = cancelled.json()
    assert view["status"] == "cancelled"
    assert view["cancel_reason"] == "ops_cancelled"


async def test_a_subject_spelled_in_upper_case_reads_its_own_enrollment(svc: Running) -> None:
    # Purchases store UUID(sub); ownership once compared the raw string (issue 19).
    provider, learner = uuid.uuid4(), uuid.uuid4()
    offering = await publish_offering(svc, price=0, provider_id=provider)
    bought = await svc.client.post(
        "/v1/enrollments",
        json={"offering_id": str(offering.offering_id), "offering_version": 1},
        headers={**token("learner", str(learner).upper()), **idem()},
    )
    assert bought.status_code == 201, bought.text
    eid = bought.json()["id"]
    for spelling in (str(learner).upper(), str(learner), learner.hex):
        seen = await svc.client.get(f"/v1/enrollments/{eid}", headers=token("learner", spelling))
        assert seen.status_code == 200, (spelling, seen.text)
    as_provider = await svc.client.get(
        f"/v1/enrollments/{eid}", headers=token("provider", str(provider).upper())
    )
    assert as_provider.status_code == 200
