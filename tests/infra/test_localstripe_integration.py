"""The Stripe stand-in answers the real Stripe SDK."""

from __future__ import annotations

import httpx
import pytest
from aiohttp import web
from credmarket_testing.ports import free_port
from credmarket_testing.wait import wait_until
from stripe import CardError, StripeClient

pytestmark = pytest.mark.integration

TEST_KEY = "sk_test_credmarket_local"


def test_payment_intent_is_created_and_read_back(stripe_api_base: str, unique_id: str) -> None:
    client = StripeClient(TEST_KEY, base_addresses={"api": stripe_api_base})

    created = client.v1.payment_intents.create(
        params={"amount": 4900, "currency": "eur", "metadata": {"enrollment": unique_id}}
    )
    fetched = client.v1.payment_intents.retrieve(created.id)

    assert created.id.startswith("pi_")
    assert fetched.id == created.id
    assert fetched.amount == 4900
    assert fetched.currency == "eur"
    assert fetched.metadata["enrollment"] == unique_id
    assert fetched.client_secret


def _card(client: StripeClient, number: str) -> str:
    method = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"},
        }
    )
    return str(method.id)


def test_a_declined_intent_takes_another_card_as_on_real_stripe(stripe_api_base: str) -> None:
    client = StripeClient(TEST_KEY, base_addresses={"api": stripe_api_base})
    intent = client.v1.payment_intents.create(params={"amount": 1500, "currency": "eur"})
    client.v1.payment_intents.update(
        intent.id, params={"payment_method": _card(client, "4000000000000341")}
    )
    with pytest.raises(CardError):
        client.v1.payment_intents.confirm(intent.id)
    assert client.v1.payment_intents.retrieve(intent.id).status == "requires_payment_method"

    retried = client.v1.payment_intents.update(
        intent.id, params={"payment_method": _card(client, "4242424242424242")}
    )
    assert retried.status == "requires_confirmation"
    assert client.v1.payment_intents.confirm(intent.id).status == "succeeded"


def test_intents_are_found_by_metadata_as_with_stripes_search(
    stripe_api_base: str, unique_id: str
) -> None:
    client = StripeClient(TEST_KEY, base_addresses={"api": stripe_api_base})
    made = client.v1.payment_intents.create(
        params={"amount": 700, "currency": "eur", "metadata": {"enrollment_id": unique_id}}
    )
    client.v1.payment_intents.create(
        params={"amount": 800, "currency": "eur", "metadata": {"enrollment_id": "other"}}
    )
    found = client.v1.payment_intents.search(
        params={"query": f"metadata['enrollment_id']:'{unique_id}'"}
    )
    assert [intent.id for intent in found.data] == [made.id]


async def test_a_removed_webhook_gets_no_more_events(stripe_api_base: str, unique_id: str) -> None:
    """Webhooks are posted to in the order they were registered: once the one
    registered last has an event, the removed one would already have had it."""
    received: dict[str, list[str]] = {"removed": [], "kept": []}

    async def receive(request: web.Request) -> web.Response:
        event = await request.json()
        received[request.match_info["name"]].append(event["data"]["object"]["id"])
        return web.Response()

    app = web.Application()
    app.router.add_post("/{name}", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    ids = {name: f"{unique_id}-{name}" for name in received}
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            for name, webhook_id in ids.items():
                registered = await http.post(
                    f"{stripe_api_base}/_config/webhooks/{webhook_id}",
                    data={"url": f"http://127.0.0.1:{port}/{name}", "secret": "whsec_test"},
                )
                registered.raise_for_status()
            removed = await http.delete(f"{stripe_api_base}/_config/webhooks/{ids['removed']}")
            assert removed.status_code == 204
            again = await http.delete(f"{stripe_api_base}/_config/webhooks/{ids['removed']}")
            assert again.status_code == 404

            client = StripeClient(TEST_KEY, base_addresses={"api": stripe_api_base})
            method = await client.v1.payment_methods.create_async(
                params={
                    "type": "card",
                    "card": {
                        "number": "4242424242424242",
                        "exp_month": 12,
                        "exp_year": 2034,
                        "cvc": "123",
                    },
                }
            )
            intent = await client.v1.payment_intents.create_async(
                params={"amount": 900, "currency": "eur", "payment_method": method.id}
            )
            # payment_intent.succeeded is one of the events the stand-in posts.
            await client.v1.payment_intents.confirm_async(intent.id)
            await wait_until(lambda: intent.id in received["kept"], timeout=15)
            assert intent.id not in received["removed"]
    finally:
        async with httpx.AsyncClient(timeout=10) as http:
            await http.delete(f"{stripe_api_base}/_config/webhooks/{ids['kept']}")
        await runner.cleanup()
