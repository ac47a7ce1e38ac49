"""Outages production brings, in the middle of 20 purchases: the database of enrollment,
then of payments, failing over for 30 s each; the Stripe stand-in stopped for 30 s.
Every purchase completes once it gets through, nothing is dead-lettered, nothing is
done twice.

This module runs a system of its own: enrollment and payments reach their databases
through proxies the test cuts (live connections reset, new ones refused: a failover as
the service sees it), and Stripe is a stand-in of the system's own that the test stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

import pytest
from credmarket_testing.system import System
from credmarket_testing.wait import wait_until

if TYPE_CHECKING:
    from credmarket_testing.ledger import Ledger
    from credmarket_testing.shop import Flow, PatientShop

    from tests.faults.conftest import StartSystem

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

PURCHASES = 20
OUTAGE_S = 30.0  # the fault's length, not a wait for something to happen


@pytest.fixture(scope="module")
async def system(start_system: StartSystem) -> AsyncIterator[System]:
    """This module's own system (overrides the shared one)."""
    async with start_system(db_proxies=("enrollment", "payments"), private_stripe=True) as s:
        yield s


async def purchases(shop: PatientShop) -> tuple[list[Flow], list[asyncio.Task[Flow]]]:
    provider = await shop.new_provider("Outage Academy")
    offering = await shop.new_offering(provider)
    flows = [shop.learner(provider, offering) for _ in range(PURCHASES)]
    return flows, [asyncio.create_task(shop.run_to_credential(f)) for f in flows]


async def outage(stop: Callable[[], Awaitable[None]], start: Callable[[], Awaitable[None]]) -> None:
    await stop()
    try:
        await asyncio.sleep(OUTAGE_S)
    finally:
        await start()


def under_way(flows: list[Flow], tasks: list[asyncio.Task[Flow]]) -> tuple[int, int]:
    """(purchases answered, journeys finished)."""
    return sum(1 for f in flows if f.enrollment_id), sum(1 for t in tasks if t.done())


async def finish(tasks: list[asyncio.Task[Flow]]) -> None:
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()


async def test_enrollment_then_payments_database_failing_over_mid_purchases(
    system: System, patient_shop: PatientShop, ledger: Ledger
) -> None:
    flows, tasks = await purchases(patient_shop)
    await wait_until(
        lambda: under_way(flows, tasks)[0] >= 3, timeout=120, message="no purchase went through"
    )
    enrollment_db, payments_db = system.db_proxy("enrollment"), system.db_proxy("payments")
    at_first_cut = under_way(flows, tasks)
    await outage(enrollment_db.cut, enrollment_db.restore)
    # Straight on to payments': the journeys the first outage held back are mid-way.
    at_second_cut = under_way(flows, tasks)
    await outage(payments_db.cut, payments_db.restore)
    await finish(tasks)

    assert at_first_cut[1] < PURCHASES, "every journey ended before the first outage"
    assert at_second_cut[1] < PURCHASES, "every journey ended before the second outage"
    assert (enrollment_db.cuts, payments_db.cuts) == (1, 1)
    await ledger.check_completed(flows)


async def test_stripe_stopped_mid_purchases(
    system: System, patient_shop: PatientShop, ledger: Ledger
) -> None:
    assert system.stripe is not None
    stripe = system.stripe
    flows, tasks = await purchases(patient_shop)
    await wait_until(
        lambda: under_way(flows, tasks)[0] >= 3, timeout=120, message="no purchase went through"
    )
    at_stop = under_way(flows, tasks)
    await outage(stripe.stop, system.restart_stripe)
    await finish(tasks)

    assert at_stop[1] < PURCHASES, "every journey ended before Stripe stopped"
    await ledger.check_completed(flows)
