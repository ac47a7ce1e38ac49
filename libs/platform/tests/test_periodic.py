"""The one background loop: rounds repeat, a failed round does not end them, and leaving
the block stops them."""

from __future__ import annotations

import asyncio

from credmarket_platform.periodic import periodic_task, running_periodically


async def test_rounds_repeat_and_a_failing_round_is_followed_by_the_next() -> None:
    rounds = 0
    third = asyncio.Event()

    async def work() -> None:
        nonlocal rounds
        rounds += 1
        if rounds == 3:
            third.set()
        if rounds == 1:
            raise ConnectionError("database away")

    async with running_periodically("test-work", work, interval_s=0):
        await asyncio.wait_for(third.wait(), timeout=5)
    stopped_at = rounds
    # Once the block is left no round runs again (the loop yields at every pause).
    for _ in range(10):
        await asyncio.sleep(0)
    assert rounds == stopped_at >= 3


async def test_the_lifespan_task_runs_the_same_loop() -> None:
    ran = asyncio.Event()

    async def work() -> None:
        ran.set()

    task = periodic_task("test-task", work, interval_s=3600)
    async with task(object()):
        await asyncio.wait_for(ran.wait(), timeout=5)
