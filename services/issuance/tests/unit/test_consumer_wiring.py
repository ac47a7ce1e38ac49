"""Issuance's two consumer groups are built by the platform's one wiring
(messaging_tasks), so they honour every consumer knob of the settings like any
service's: the copy issuance once had lost the commit interval."""

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
    real = wiring.consumer_runner

    def spy(*args: Any, **kwargs: Any) -> ConsumerRunner:
        runner = real(*args, **kwargs)
        built.append(runner)
        return runner

    monkeypatch.setattr(wiring, "consumer_runner", spy)
    settings = IssuanceSettings(
        kek=base64.b64encode(bytes(32)).decode(),
        jwt_dev_secret="wiring-test-secret-0123456789abcdef",
        dev_mode=True,
        consumer_commit_interval_s=2.5,
        consumer_backoff_max_s=7.0,
        consumer_max_attempts=9,
        topic_prefix="t.",
    )
    issuance_app.create_app(settings, configure_logs=False)  # built, never started
    assert sorted(r.group for r in built) == sorted([settings.group(), settings.provider_group()])
    for runner in built:
        assert runner.commit_interval_s == 2.5
        assert runner.backoff_max_s == 7.0
        assert runner.max_attempts == 9
