"""What libs/events says each service consumes is what the service's app registers.

The declaration feeds the AsyncAPI document, the event docs and ops' reading of who
should have handled an event; the handlers are what actually runs. Each app is built in
process (dev mode, nothing connects) with the platform's consumer wiring watched, so a
handler added without declaring it, or a declaration without a handler, fails here.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from credmarket_events.registry import all_specs
from credmarket_platform.messaging import wiring
from credmarket_platform.messaging.consumer import ConsumerRunner
from issuance.settings import IssuanceSettings

SERVICES = ("catalog", "enrollment", "payments", "issuance")


def declared(service: str) -> set[str]:
    return {spec.type for spec in all_specs() if service in spec.consumers}


def built_runners(service: str, monkeypatch: pytest.MonkeyPatch) -> list[ConsumerRunner]:
    """The consumers the service's app builds, through the platform's one wiring."""
    built: list[ConsumerRunner] = []
    real = wiring.consumer_runner

    def spy(*args: Any, **kwargs: Any) -> ConsumerRunner:
        runner = real(*args, **kwargs)
        built.append(runner)
        return runner

    monkeypatch.setattr(wiring, "consumer_runner", spy)
    monkeypatch.setenv("CREDMARKET_DEV_MODE", "true")
    importlib.import_module(f"{service}.app").create_app()  # built, never started
    return built


@pytest.mark.parametrize("service", SERVICES)
def test_the_declared_consumers_are_the_registered_handlers(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    runners = built_runners(service, monkeypatch)
    handled = {event_type for r in runners for event_type in r.registry.handlers}
    assert runners, f"{service} builds no consumer"
    assert sorted(handled - declared(service)) == [], "handled but not declared in libs/events"
    assert sorted(declared(service) - handled) == [], "declared in libs/events but not handled"


def test_issuances_two_groups_are_built_by_the_one_wiring_with_every_knob(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Issuance once built its consumers by hand and lost the commit interval on the way.
    monkeypatch.setenv("CREDMARKET_CONSUMER_COMMIT_INTERVAL_S", "2.5")
    monkeypatch.setenv("CREDMARKET_CONSUMER_MAX_ATTEMPTS", "9")
    runners = built_runners("issuance", monkeypatch)
    settings = IssuanceSettings()
    assert sorted(r.group for r in runners) == sorted([settings.group(), settings.provider_group()])
    first, second = (set(r.registry.handlers) for r in runners)
    assert first
    assert second
    assert not first & second, "an event type is handled by one group of a service"
    assert {(r.commit_interval_s, r.max_attempts) for r in runners} == {(2.5, 9)}
