"""A provider's offerings: drafts, publishing, versions, retiring, and the refusals."""

from typing import Any

import httpx
import pytest
from credmarket_events.catalog import OfferingPublishedV1, OfferingRetiredV1, OfferingUpdatedV1
from credmarket_events.envelope import KafkaMessage
from credmarket_events.testing import assert_valid_event
from credmarket_testing.kafka import consume_all

BASE = "/v1/provider/offerings"


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(BASE, json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def outbox_count(app: Any) -> int:
    import sqlalchemy as sa

    async with app.state.runtime.db.engine.connect() as conn:
        return int((await conn.execute(sa.text("SELECT count(*) FROM outbox"))).scalar_one())


async def test_full_lifecycle_emits_valid_events_on_the_broker(
    client: httpx.AsyncClient, provider: dict[str, Any], kit: Any, settings: Any
) -> None:
    headers = provider["headers"]
    draft = await create(client, headers, {"title": "Draft only"})
    assert draft["status"] == "draft"
    assert draft["version"] == 0
    assert (await client.get(f"/v1/offerings/{draft['id']}")).status_code == 404
    edited = await client.patch(f"{BASE}/{draft['id']}", json=kit.offering_body(), headers=headers)
    assert edited.status_code == 200
    assert edited.json()["skills"] == ["python", "pandas"]
    assert edited.json()["version"] == 0

    published = await client.post(f"{BASE}/{draft['id']}/publish", headers=headers)
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert published.json()["version"] == 1
    public = await client.get(f"/v1/offerings/{draft['id']}")
    assert public.status_code == 200
    assert public.json()["price"] == {"amount": 4900, "currency": "EUR"}

    updated = await client.patch(
        f"{BASE}/{draft['id']}",
        json={"price": {"amount": 5900, "currency": "EUR"}},
        headers=headers,
    )
    assert updated.json()["version"] == 2
    v1 = (await client.get(f"/v1/offerings/{draft['id']}/versions/1")).json()
    assert v1["snapshot"]["price"] == {"amount": 4900, "currency": "EUR"}
    v2 = (await client.get(f"/v1/offerings/{draft['id']}/versions/2")).json()
    assert v2["snapshot"]["price"] == {"amount": 5900, "currency": "EUR"}

    retired = await client.post(f"{BASE}/{draft['id']}/retire", headers=headers)
    assert retired.status_code == 200
    assert retired.json()["status"] == "retired"
    assert (await client.get(f"/v1/offerings/{draft['id']}")).status_code == 404

    records = await consume_all(
        settings.kafka_bootstrap, settings.topic("catalog.offerings"), 3, timeout=30
    )
    records.sort(key=lambda r: r.offset)
    messages = [
        KafkaMessage(r.topic.removeprefix(settings.topic_prefix), r.key, r.value, list(r.headers))
        for r in records
    ]
    first = assert_valid_event(messages[0], OfferingPublishedV1)
    second = assert_valid_event(messages[1], OfferingUpdatedV1)
    third = assert_valid_event(messages[2], OfferingRetiredV1)
    assert first.data.version == 1
    assert first.data.price.amount == 4900
    assert first.data.achievement.name == "Data Wrangler"
    assert second.data.version == 2
    assert second.data.price.amount == 5900
    assert third.data.version == 2
    assert {str(m.key.decode()) for m in messages} == {draft["id"]}


async def test_provider_events_reach_the_broker(
    client: httpx.AsyncClient, provider: dict[str, Any], settings: Any
) -> None:
    from credmarket_events.catalog import ProviderRegisteredV1, ProviderUpdatedV1

    await client.patch(
        f"/v1/providers/{provider['id']}", json={"name": "New Name"}, headers=provider["headers"]
    )
    records = await consume_all(
        settings.kafka_bootstrap, settings.topic("catalog.providers"), 2, timeout=30
    )
    by_type = {}
    for r in records:
        msg = KafkaMessage(
            r.topic.removeprefix(settings.topic_prefix), r.key, r.value, list(r.headers)
        )
        ce_type = msg.header("ce_type")
        by_type[ce_type] = msg
    registered = assert_valid_event(by_type[ProviderRegisteredV1.event_type], ProviderRegisteredV1)
    updated = assert_valid_event(by_type[ProviderUpdatedV1.event_type], ProviderUpdatedV1)
    assert str(registered.data.provider_id) == provider["id"]
    assert updated.data.name == "New Name"


async def test_create_is_idempotent(
    client: httpx.AsyncClient, provider: dict[str, Any], kit: Any
) -> None:
    headers = {**provider["headers"], "Idempotency-Key": "offer-1"}
    first = await client.post(BASE, json=kit.offering_body(), headers=headers)
    again = await client.post(BASE, json=kit.offering_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    listed = (await client.get(BASE, headers=provider["headers"])).json()
    assert len(listed["items"]) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": {"amount": -1, "currency": "EUR"}}, "body.price.amount"),
        ({"price": {"amount": 100, "currency": "XYZ"}}, "body.price.currency"),
        ({"title": "x" * 201}, "body.title"),
        ({"description": "x" * 20_001}, "body.description"),
        (
            {"achievement": {"name": "", "description": "d", "criteria_narrative": "c"}},
            "body.achievement.name",
        ),
        ({"language": "English"}, "body.language"),
        ({"skills": ["Bad!"]}, "body.skills.0"),
        ({"level": "guru"}, "body.level"),
    ],
)
async def test_invalid_fields_are_422_without_a_write(
    client: httpx.AsyncClient,
    provider: dict[str, Any],
    kit: Any,
    change: dict[str, Any],
    field: str,
) -> None:
    response = await client.post(
        BASE, json=kit.offering_body(**change), headers=provider["headers"]
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in response.json()["errors"]]
    assert (await client.get(BASE, headers=provider["headers"])).json()["items"] == []


async def test_publishing_an_incomplete_draft_names_what_is_missing(
    client: httpx.AsyncClient, provider: dict[str, Any], app: Any
) -> None:
    draft = await create(
        client,
        provider["headers"],
        {"title": "Half done", "price": {"amount": 0, "currency": "EUR"}},
    )
    response = await client.post(f"{BASE}/{draft['id']}/publish", headers=provider["headers"])
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"description", "achievement.name", "achievement.criteria_narrative"} <= fields
    assert (await client.get(f"{BASE}/{draft['id']}", headers=provider["headers"])).json()[
        "status"
    ] == "draft"
    assert await outbox_count(app) == 1  # only ProviderRegistered


@pytest.mark.parametrize(
    ("price", "field", "code"),
    [
        ({"amount": 1, "currency": "EUR"}, "price.amount", "below_stripe_minimum"),
        ({"amount": 20, "currency": "GBP"}, "price.amount", "below_stripe_minimum"),
        ({"amount": 49, "currency": "JPY"}, "price.amount", "below_stripe_minimum"),
        ({"amount": 990000, "currency": "IRR"}, "price.currency", "not_chargeable"),
        ({"amount": 500000, "currency": "COP"}, "price.currency", "no_fixed_minimum"),
    ],
)
async def test_a_price_stripe_cannot_charge_is_refused_at_publish(
    client: httpx.AsyncClient,
    provider: dict[str, Any],
    kit: Any,
    app: Any,
    price: dict[str, Any],
    field: str,
    code: str,
) -> None:
    draft = await create(client, provider["headers"], kit.offering_body(price=price))
    response = await client.post(f"{BASE}/{draft['id']}/publish", headers=provider["headers"])
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert (field, code) in [(e["field"], e["type"]) for e in errors], errors
    assert await outbox_count(app) == 1  # only ProviderRegistered: nothing published


async def test_publishing_twice_is_409_and_retiring_a_draft_is_409(
    client: httpx.AsyncClient, provider: dict[str, Any], kit: Any, app: Any
) -> None:
    headers = provider["headers"]
    offering = await create(client, headers, kit.offering_body())
    assert (
        await client.post(f"{BASE}/{offering['id']}/retire", headers=headers)
    ).status_code == 409
    assert (
        await client.post(f"{BASE}/{offering['id']}/publish", headers=headers)
    ).status_code == 200
    twice = await client.post(f"{BASE}/{offering['id']}/publish", headers=headers)
    assert twice.status_code == 409
    assert twice.json()["type"] == "urn:credmarket:problem:already-published"
    assert await outbox_count(app) == 2
    await client.post(f"{BASE}/{offering['id']}/retire", headers=headers)
    assert (
        await client.post(f"{BASE}/{offering['id']}/retire", headers=headers)
    ).status_code == 409
    edit = await client.patch(f"{BASE}/{offering['id']}", json={"title": "x"}, headers=headers)
    assert edit.status_code == 409


async def test_invalid_update_of_a_published_offering_changes_nothing(
    client: httpx.AsyncClient, provider: dict[str, Any], kit: Any
) -> None:
    headers = provider["headers"]
    offering = await create(client, headers, kit.offering_body())
    await client.post(f"{BASE}/{offering['id']}/publish", headers=headers)
    response = await client.patch(
        f"{BASE}/{offering['id']}", json={"achievement": {"name": None}}, headers=headers
    )
    assert response.status_code == 422
    current = (await client.get(f"/v1/offerings/{offering['id']}")).json()
    assert current["version"] == 1
    assert current["achievement"]["name"] == "Data Wrangler"


async def test_offerings_are_private_to_their_provider(
    client: httpx.AsyncClient, provider: dict[str, Any], kit: Any
) -> None:
    offering = await create(client, provider["headers"], kit.offering_body())
    other = await kit.register(name="Other School")
    other_headers = await kit.provider_headers(other["api_key"]["key"])
    path = f"{BASE}/{offering['id']}"
    assert (await client.get(path, headers=other_headers)).status_code == 404
    assert (
        await client.patch(path, json={"title": "Mine now"}, headers=other_headers)
    ).status_code == 404
    assert (await client.post(f"{path}/publish", headers=other_headers)).status_code == 404
    assert (await client.get(BASE, headers=other_headers)).json()["items"] == []
    assert (await client.get(path, headers=provider["headers"])).json()[
        "title"
    ] == "Data Wrangling with Python"


async def test_authentication_and_roles(client: httpx.AsyncClient, kit: Any) -> None:
    assert (await client.post(BASE, json=kit.offering_body())).status_code == 401
    learner = kit.dev_token("learner")
    response = await client.post(BASE, json=kit.offering_body(), headers=learner)
    assert response.status_code == 403
    unregistered = kit.dev_token("provider")
    response = await client.post(BASE, json=kit.offering_body(), headers=unregistered)
    assert response.status_code == 403
    bad = {"Authorization": "Bearer not.a.jwt"}
    assert (await client.get(BASE, headers=bad)).status_code == 401
