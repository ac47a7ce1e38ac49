"""Every service served by two worker processes (CREDMARKET_WEB_WORKERS=2): the workers
share the port and act as replicas of each other (own pools, own consumers in the
group, own relay), purchases complete once each, and a SIGKILL of the service takes
its workers with it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest
from credmarket_testing.processes import children, processes
from credmarket_testing.system import SERVICE_NAMES, System
from credmarket_testing.wait import wait_until

if TYPE_CHECKING:
    from credmarket_testing.ledger import Ledger
    from credmarket_testing.shop import Flow, Shop

    from tests.faults.conftest import StartSystem

pytestmark = pytest.mark.e2e

LEARNERS = 6


@pytest.fixture(scope="module")
async def system(start_system: StartSystem) -> AsyncIterator[System]:
    """This module's own system (overrides the shared one): two workers per service."""
    async with start_system(CREDMARKET_WEB_WORKERS="2") as running:
        yield running


def alive(pid: int) -> bool:
    # A zombie has exited; only its parent has not reaped it yet.
    found = processes().get(pid)
    return found is not None and found.state != "Z"


async def test_two_workers_per_service_complete_each_purchase_once(
    system: System, shop: Shop, ledger: Ledger
) -> None:
    for service in SERVICE_NAMES:
        proc = system.replicas[service][0].proc
        assert proc is not None
        pid = proc.pid
        # uvicorn's supervisor, and under it the two workers (plus its resource tracker).
        await wait_until(lambda: len(children(pid)) >= 2, timeout=30)  # noqa: B023

    provider = await shop.new_provider()
    offering = await shop.new_offering(provider)
    flows: list[Flow] = [shop.learner(provider, offering) for _ in range(LEARNERS)]

    await asyncio.gather(*(shop.run_to_credential(f) for f in flows))
    for flow in flows:
        report = await shop.verify(flow)
        assert report["status"] == "valid", report
    await ledger.check_completed(flows)


async def test_killing_a_service_takes_its_workers_with_it(system: System) -> None:
    catalog = system.replicas["catalog"][0]
    assert catalog.proc is not None
    workers = children(catalog.proc.pid)
    assert workers
    catalog.kill()
    await catalog.wait_exit()
    await wait_until(lambda: not any(alive(w) for w in workers), timeout=10)
    await system.restart("catalog")
