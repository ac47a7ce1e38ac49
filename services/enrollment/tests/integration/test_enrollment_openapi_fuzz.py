"""schemathesis against the service's own OpenAPI: no input may cause a 5xx."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from credmarket_platform.db.migrations import upgrade
from enrollment.app import create_app
from enrollment.db.migrations import SCRIPT_LOCATION
from enrollment_harness import settings_for, token
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans

pytestmark = pytest.mark.integration

LEARNER = uuid.uuid4()
PROVIDER = uuid.uuid4()


@pytest.fixture
def enrollment_api_schema(
    database_url: str, topic_prefix: str, kafka_bootstrap: str
) -> Iterator[Any]:
    upgrade(SCRIPT_LOCATION, database_url)
    app = create_app(settings_for(database_url, topic_prefix, kafka_bootstrap))
    # schemathesis starts the app's lifespan on its first request (in its own event-loop
    # thread); shut it down before the fixture's database is dropped.
    try:
        yield schemathesis.openapi.from_asgi("/openapi.json", app)
    finally:
        shutdown_lifespans()


def _headers_for(case: Any) -> dict[str, str]:
    if case.path.endswith("/completion"):
        return token("provider", PROVIDER)
    return token("learner", LEARNER)


# schemathesis' own `from_fixture(...).parametrize()` fails on this pytest (9.x: it reads
# the removed `Node._nodeid`), and an eagerly loaded schema cannot use the per-test
# database. So the same strategies run here under hypothesis directly, per operation and
# in both positive and negative generation modes.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_enrollment_api_has_no_server_errors(
    enrollment_api_schema: Any, mode: GenerationMode
) -> None:
    operations = [result.ok() for result in enrollment_api_schema.get_all_operations()]
    assert {op.path for op in operations} >= {
        "/v1/enrollments",
        "/v1/enrollments/{enrollment_id}",
        "/v1/enrollments/{enrollment_id}/cancel",
        "/v1/enrollments/{enrollment_id}/completion",
    }
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and operation.path in ("/healthz", "/readyz"):
            continue  # no inputs: there is nothing to make invalid

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case: Any) -> None:
            case.call_and_validate(headers=_headers_for(case), checks=[not_a_server_error])

        no_server_error()
