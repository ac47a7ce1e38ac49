"""`credmarket-ops trace`: one purchase across topics, hop timing, who handled each event."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

pytestmark = pytest.mark.integration


async def test_trace_by_correlation_id_orders_hops_and_derives_handled_by(
    publish: Any,
    run_cli: Any,
    commit_offset: Any,
    new_purchase: Callable[..., Any],
    topic_prefix: str,
) -> None:
    flow = new_purchase(gap=timedelta(milliseconds=1500))
    unrelated = new_purchase()
    # Published out of order: the trace orders by event time, not by arrival.
    sent = {}
    for envelope in [*reversed(flow.events), *unrelated.events]:
        sent[envelope.id] = await publish(envelope)
    requested, initiated = flow.events[0], flow.events[1]
    # Payments handled the request; enrollment has not yet consumed the payment's events.
    await commit_offset(f"{topic_prefix}payments", sent[requested.id])

    result = await run_cli("trace", flow.correlation_id, "--json")

    assert result.exit_code == 0, result.output
    trace = json.loads(result.output)
    assert trace["correlation_ids"] == [flow.correlation_id]
    assert [h["id"] for h in trace["hops"]] == [e.id for e in flow.events]
    assert [h["topic"].removeprefix(topic_prefix) for h in trace["hops"]] == [
        "enrollment.enrollments",
        "payments.payments",
        "payments.payments",
        "enrollment.enrollments",
        "issuance.credentials",
    ]
    assert trace["hops"][0]["since_previous_ms"] is None
    assert [h["since_previous_ms"] for h in trace["hops"][1:]] == [1500.0] * 4
    assert trace["duration_ms"] == 6000.0
    # Every group the registry names as a consumer, by name: catalog (provider webhooks)
    # has not read it yet here.
    assert trace["hops"][0]["groups"] == [
        {"group": f"{topic_prefix}catalog", "status": "pending", "committed": None},
        {
            "group": f"{topic_prefix}payments",
            "status": "handled",
            "committed": sent[requested.id].offset + 1,
        },
    ]
    assert trace["hops"][1]["id"] == initiated.id
    assert trace["hops"][1]["groups"] == [
        {"group": f"{topic_prefix}enrollment", "status": "pending", "committed": None}
    ]
    assert trace["dead_letters"] == []

    human = await run_cli("trace", flow.correlation_id)
    assert f"{topic_prefix}payments ✓ handled" in human.output
    assert "+1.50 s" in human.output


async def test_trace_by_enrollment_id_finds_the_same_flow(
    publish: Any, run_cli: Any, new_purchase: Callable[..., Any]
) -> None:
    flow = new_purchase()
    for envelope in [*flow.events, *new_purchase().events]:
        await publish(envelope)

    result = await run_cli("trace", str(flow.enrollment_id), "--json")

    trace = json.loads(result.output)
    assert trace["correlation_ids"] == [flow.correlation_id]
    # Payment and credential events are keyed by their own ids, found through the correlation.
    assert [h["id"] for h in trace["hops"]] == [e.id for e in flow.events]


async def test_trace_of_an_unknown_id_says_so_and_exits_1(run_cli: Any) -> None:
    result = await run_cli("trace", "no-such-flow")
    assert result.exit_code == 1
    assert "no events found" in result.output
