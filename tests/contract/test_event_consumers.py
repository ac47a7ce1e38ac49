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

SERVICES = ("catalog", "enrollment", "payments", "issuance")


def declared(service: str) -> set[str]:
    return {spec.type for spec in all_specs() if service in spec.consumers}


def registered(service: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, set[str]]:
    """Event types per consumer group of the service's app, as its wiring builds them."""
    built: list[ConsumerRunner] = []
    real = wiring.consumer_runner

    def spy(*args: Any, **kwargs: Any) -> ConsumerRunner:
        runner = real(*args, **kwargs)
        built.append(runner)
        return runner

    monkeypatch.setattr(wiring, "consumer_runner", spy)
    monkeypatch.setenv("CREDMARKET_DEV_MODE", "true")
    importlib.import_module(f"{service}.app").create_app()  # built, never started
    return {r.group: set(r.registry.handlers) for r in built}


@pytest.mark.parametrize("service", SERVICES)
def test_the_declared_consumers_are_the_registered_handlers(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    groups = registered(service, monkeypatch)
    handled = set().union(*groups.values())
    assert groups, f"{service} builds no consumer"
    assert sorted(handled - declared(service)) == [], "handled but not declared in libs/events"
    assert sorted(declared(service) - handled) == [], "declared in libs/events but not handled"


def test_an_event_type_is_handled_by_one_group_of_a_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    groups = registered("issuance", monkeypatch)
    assert len(groups) == 2
    first, second = groups.values()
    assert first
    assert second
    assert not first & second
