"""PUT/GET /v1/providers/{id}/stripe-account: ops records a provider's connected account,
the provider reads its own."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from services.payments.tests.integration.conftest import PaymentsHarness

pytestmark = pytest.mark.integration

Auth = Callable[[str, uuid.UUID | str], dict[str, str]]


async def test_ops_records_the_account_and_a_later_put_replaces_it(
    payments: PaymentsHarness, auth: Auth
) -> None:
    provider = uuid.uuid4()
    url = f"/v1/providers/{provider}/stripe-account"
    ops = auth("ops", "ops-accounts")
    assert (await payments.client.get(url, headers=ops)).status_code == 404
    first = await payments.client.put(url, json={"stripe_account_id": "acct_first"}, headers=ops)
    assert first.status_code == 200, first.text
    second = await payments.client.put(url, json={"stripe_account_id": "acct_second"}, headers=ops)
    assert second.status_code == 200, second.text
    own = await payments.client.get(url, headers=auth("provider", provider))
    assert own.status_code == 200, own.text
    assert own.json()["stripe_account_id"] == "acct_second"
    assert own.json()["updated_at"] == second.json()["updated_at"]
    other = await payments.client.get(url, headers=auth("provider", uuid.uuid4()))
    assert other.status_code == 403
    refused = await payments.client.put(
        url, json={"stripe_account_id": "acct_mine"}, headers=auth("provider", provider)
    )
    assert refused.status_code == 403
