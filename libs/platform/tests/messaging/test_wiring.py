"""One wiring for every consumer group: each is built from the service's settings."""

from __future__ import annotations

from typing import Any

import pytest
from credmarket_events.catalog import ProviderRegisteredV1
from credmarket_events.enrollment import EnrollmentCompletedV1
from credmarket_platform.db import Database
from credmarket_platform.messaging import wiring
from credmarket_platform.messaging.consumer import ConsumerRunner
from credmarket_platform.messaging.handlers import HandlerContext, HandlerRegistry
from credmarket_platform.settings import ServiceSettings


async def _ignore(ctx: HandlerContext[Any]) -> None:
    del ctx


def _registry(model: Any) -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.register(model, _ignore)
    return registry


def _built(monkeypatch: pytest.MonkeyPatch, settings: ServiceSettings) -> list[ConsumerRunner]:
    built: list[ConsumerRunner] = []
    real = wiring.consumer_runner

    def spy(*args: Any, **kwargs: Any) -> ConsumerRunner:
        built.append(real(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(wiring, "consumer_runner", spy)
    wiring.messaging_tasks(
        settings,
        Database(settings.database_url),  # never connects: the tasks are not started
        _registry(EnrollmentCompletedV1),
        more_groups={"p.other": _registry(ProviderRegisteredV1)},
    )
    return built


def test_every_group_takes_every_consumer_knob(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = ServiceSettings(
        service_name="svc",
        topic_prefix="p.",
        consumer_commit_interval_s=2.5,
        consumer_max_attempts=9,
        consumer_backoff_initial_s=0.3,
        consumer_backoff_max_s=7.0,
    )
    runners = {r.group: r for r in _built(monkeypatch, settings)}
    assert set(runners) == {"p.svc", "p.other"}
    assert runners["p.svc"].topics == ["p.enrollment.enrollments"]
    assert runners["p.other"].topics == ["p.catalog.providers"]
    for r in runners.values():
        assert (r.commit_interval_s, r.max_attempts) == (2.5, 9)
        assert (r.backoff_initial_s, r.backoff_max_s) == (0.3, 7.0)
        assert r.source == "/svc"


def test_no_consumer_when_the_service_runs_none(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _built(monkeypatch, ServiceSettings(run_consumer=False)) == []
