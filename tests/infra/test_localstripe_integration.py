"""The Stripe stand-in answers the real Stripe SDK."""

from __future__ import annotations

import pytest
from stripe import StripeClient

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
