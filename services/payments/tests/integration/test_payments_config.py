"""GET /v1/config: a frontend starts Stripe.js from the API alone."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import stripe

if TYPE_CHECKING:
    from services.payments.tests.integration.conftest import PaymentsHarness

pytestmark = pytest.mark.integration


async def test_config_gives_the_publishable_key_from_settings_and_stripes_api_version(
    payments: PaymentsHarness,
) -> None:
    payments.rt.settings.stripe_publishable_key = "pk_test_from_settings"
    answer = await payments.client.get("/v1/config")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["stripe_publishable_key"] == "pk_test_from_settings"
    assert body["stripe_api_version"] == stripe.api_version
    assert body["stripe_js_url"] == payments.settings.stripe_js_url
    assert "public" in answer.headers["cache-control"]


async def test_without_a_publishable_key_config_says_unavailable(
    payments: PaymentsHarness,
) -> None:
    payments.rt.settings.stripe_publishable_key = ""
    answer = await payments.client.get("/v1/config")
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "urn:credmarket:problem:temporarily-unavailable"
