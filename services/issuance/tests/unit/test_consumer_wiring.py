"""Issuance's two consumer groups are built by the platform's wiring, so they honour
every consumer knob of the settings (the commit interval included) like any service's."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from credmarket_platform.messaging import wiring
from credmarket_platform.messaging.consumer import ConsumerRunner
from issuance import app as issuance_app
from issuance.settings import IssuanceSettings


def test_both_groups_take_the_commit_interval_and_back_off_from_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[ConsumerRunner] = []

    def spy(*args: Any, **kwargs: Any) -> ConsumerRunner:
        runner = wiring.consumer_runner(*args, **kwargs)
        built.append(runner)
        return runner

    monkeypatch.setattr(issuance_app, "consumer_runner", spy)
    settings = IssuanceSettings(
        kek=base64.b64encode(bytes(32)).decode(),
        jwt_dev_secret="wiring-test-secret-0123456789abcdef",
        dev_mode=True,
        consumer_commit_interval_s=2.5,
        consumer_backoff_max_s=7.0,
        consumer_max_attempts=9,
        topic_prefix="t.",
    )
    issuance_app.create_app(settings)  # built, never started
    assert sorted(r.group for r in built) == sorted([settings.group(), settings.provider_group()])
    for runner in built:
        assert runner.commit_interval_s == 2.5
        assert runner.backoff_max_s == 7.0
        assert runner.max_attempts == 9
