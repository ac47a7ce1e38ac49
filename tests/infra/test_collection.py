"""Which tests need the infrastructure is decided for them, and listing tests needs none."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from credmarket_testing.plugin import needs_infrastructure
from credmarket_testing.wait import wait_until_sync

ROOT = Path(__file__).resolve().parents[2]


def item(path: str, *fixtures: str) -> Any:
    return SimpleNamespace(path=ROOT / path, fixturenames=list(fixtures))


@pytest.mark.parametrize(
    "path",
    [
        "services/catalog/tests/integration/test_catalog_browse_api.py",
        "tests/e2e/test_e2e_purchases.py",
        "tests/faults/test_outages.py",
        "tests/abuse/test_abuse_stateful.py",
        "tests/gateway/test_gateway_config.py",
        "tests/ops/test_tail.py",
    ],
)
def test_a_test_in_an_integration_folder_needs_the_infrastructure(path: str) -> None:
    assert needs_infrastructure(item(path), ROOT)


def test_a_test_elsewhere_needs_it_only_if_it_asks_for_it() -> None:
    unit = "services/catalog/tests/unit/test_catalog_offering_rules.py"
    assert not needs_infrastructure(item(unit, "tmp_path"), ROOT)
    assert needs_infrastructure(item("libs/platform/tests/db/x.py", "database_url"), ROOT)
    # "integration" in a file's name is not a folder.
    assert not needs_infrastructure(item("tests/infra/test_integration_words.py"), ROOT)


def test_collecting_every_test_needs_no_broker_nor_database() -> None:
    # Addresses where nothing answers: anything that connects while collecting fails.
    env = {
        **os.environ,
        "CREDMARKET_KAFKA_BOOTSTRAP": "127.0.0.1:9",
        "CREDMARKET_PG_PORT": "9",
        "CREDMARKET_STRIPE_API_BASE": "http://127.0.0.1:9",
    }
    listed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert listed.returncode == 0, listed.stdout[-3000:] + listed.stderr[-3000:]
    assert " tests collected" in listed.stdout


def test_wait_until_sync_waits_for_a_condition_and_says_what_it_waited_for() -> None:
    calls: list[int] = []

    def third_time() -> bool:
        calls.append(1)
        return len(calls) >= 3

    wait_until_sync(third_time, timeout=5, interval=0.001)
    assert len(calls) == 3
    with pytest.raises(AssertionError, match="never"):
        wait_until_sync(lambda: False, timeout=0.01, interval=0.001, message="never")
