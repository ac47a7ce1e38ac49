"""schemathesis against the service's own OpenAPI: whatever it sends, no 5xx.

Sync on purpose: schemathesis drives the ASGI app from its own event-loop thread and
starts the app's lifespan there, so the app's database pool lives on that loop.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from credmarket_platform.auth import mint_token
from credmarket_platform.db.migrations import upgrade
from credmarket_testing.infra import Infra
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from payments.app import create_app
from payments.db.migrations import SCRIPT_LOCATION
from payments.settings import PaymentsSettings
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans

pytestmark = pytest.mark.integration

SECRET = "payments-schemathesis-secret-0123456789abcdef"
ISSUER = "credmarket-fuzz"
OPS = {
    "Authorization": "Bearer " + mint_token(str(uuid.uuid4()), "ops", issuer=ISSUER, secret=SECRET)
}


@pytest.fixture
def fuzzed_app(
    database_url: str, topic_prefix: str, infra: Infra, stripe_api_base: str
) -> Iterator[FastAPI]:
    upgrade(SCRIPT_LOCATION, database_url)
    app = create_app(
        PaymentsSettings(
            database_url=database_url,
            topic_prefix=topic_prefix,
            kafka_bootstrap=infra.kafka_bootstrap,
            stripe_api_base=stripe_api_base,
            stripe_api_key="sk_test_credmarket_local",
            stripe_webhook_secret="whsec_fuzz",
            jwt_issuers=ISSUER,
            jwt_dev_secret=SECRET,
            dev_mode=True,
            # The consumer has no HTTP surface; without it each example set starts faster.
            run_consumer=False,
            reconcile_after_s=0.0,
            reconcile_interval_s=0.5,
        ),
    )
    yield app
    # Stop the app (relay, sweeps, pools) before its database is dropped.
    shutdown_lifespans()


# Only the OpenAPI document comes from this instance, which never starts (from_asgi would run
# its lifespan while pytest collects, needing Kafka and PostgreSQL just to list the tests);
# requests go to `fuzzed_app` (schemathesis' lazy from_fixture loader does not run on pytest 9).
schema = schemathesis.openapi.from_dict(create_app().openapi())


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_payments_api_has_no_server_errors(
    case: schemathesis.Case[Any], fuzzed_app: FastAPI
) -> None:
    # schemathesis starts the app's lifespan on first use and keeps it until shutdown.
    case.call_and_validate(headers=OPS, checks=[not_a_server_error], app=fuzzed_app)
