"""Two replicas each of enrollment and issuance at once, purchases in parallel through
both enrollment replicas: the consumer groups share the partitions, relays and sweeps
run twice, and still every event is handled once and every effect happens once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest
from credmarket_testing.system import System

if TYPE_CHECKING:
    from credmarket_testing.ledger import Ledger
    from credmarket_testing.shop import Flow, Shop

    from tests.faults.conftest import StartSystem

pytestmark = pytest.mark.e2e

LEARNERS = 8


@pytest.fixture(scope="module")
async def system(start_system: StartSystem) -> AsyncIterator[System]:
    """This module's own system (overrides the shared one): two enrollment and issuance."""
    async with start_system(replicas={"enrollment": 2, "issuance": 2}) as running:
        yield running


def assigned_partitions(system: System, service: str, replica: int, topic: str) -> list[str]:
    """The partitions of `topic` a replica's consumers were last given (from its log)."""
    latest: dict[str, list[str]] = {}
    log = system.replicas[service][replica].log_file.read_text(errors="replace")
    for line in log.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        msg = str(entry.get("msg", ""))
        if msg.startswith("assigned "):
            parts = [p for p in msg.removeprefix("assigned ").strip("[]").split(", ") if p]
            topics = {p.strip("'").rsplit("[", 1)[0] for p in parts}
            for t in topics or {topic}:
                latest[t] = [p.strip("'") for p in parts if p.strip("'").startswith(t + "[")]
    return latest.get(topic, [])


async def test_two_replicas_of_enrollment_and_issuance_handle_each_event_once(
    system: System, shop: Shop, ledger: Ledger
) -> None:
    shops = [shop.at_enrollment_replica(0), shop.at_enrollment_replica(1)]
    providers = [await shop.new_provider(), await shop.new_provider()]
    offerings = [await shop.new_offering(p) for p in providers]
    flows: list[Flow] = [shop.learner(providers[i % 2], offerings[i % 2]) for i in range(LEARNERS)]

    async def journey(i: int, flow: Flow) -> Flow:
        at = shops[i % 2]  # half the learners reach one enrollment replica, half the other
        await at.buy(flow)
        await at.wait_initiated(flow)
        await at.pay(flow)
        await at.wait_active(flow)
        await at.complete(flow)
        await at.wait_credential(flow)
        return flow

    await asyncio.gather(*(journey(i, f) for i, f in enumerate(flows)))

    # The same learner pressing "buy" on both replicas at once gets one enrollment.
    extra = flows[0]
    twice = shop.learner(extra.provider, offerings[1])
    answers = await asyncio.gather(
        *(
            s.market.purchase(twice.learner_token, twice.offering_id, offerings[1]["version"])
            for s in shops
        )
    )
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    rows = await system.query(
        "enrollment",
        "SELECT count(*) AS n FROM enrollments WHERE learner_id = $1::uuid",
        twice.learner_id,
    )
    assert rows[0]["n"] == 1

    for flow in flows:
        report = await shop.verify(flow)
        assert report["status"] == "valid", report
    await ledger.check_completed(flows)

    # Both replicas of each group really took part: each holds some partitions.
    for service, topic in (
        ("enrollment", "payments.payments"),
        ("issuance", "enrollment.enrollments"),
    ):
        for replica in (0, 1):
            held = assigned_partitions(system, service, replica, system.topic(topic))
            assert held, f"{service}-{replica} holds no partition of {topic}:\n{system.logs()}"


async def test_a_fresh_replica_answers_concurrent_first_provider_requests(
    system: System, shop: Shop
) -> None:
    provider = await shop.new_provider()
    fresh = await system.add_replica("enrollment")
    answers = await asyncio.gather(
        *(
            shop.http.get(
                f"{fresh.base_url}/v1/enrollments",
                headers={"Authorization": f"Bearer {provider.token}"},
            )
            for _ in range(8)
        )
    )
    assert [a.status_code for a in answers] == [200] * 8, [a.text[:120] for a in answers]
