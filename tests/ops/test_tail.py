"""`credmarket-ops tail` on the real broker: decoding, filters, start positions, stopping."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from credmarket_events.catalog import ProviderRegisteredV1
from credmarket_events.envelope import encode
from credmarket_events.payments import PaymentSucceededV1
from credmarket_events.registry import unversioned
from credmarket_events.testing import make_envelope
from credmarket_infra.ops.reading import OpsRecord
from credmarket_infra.ops.tail import EventFilter, tail
from credmarket_infra.ops.target import OpsTarget
from credmarket_testing.wait import wait_until

pytestmark = pytest.mark.integration


def json_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


async def test_tail_from_beginning_decodes_every_topic_and_shows_undecodable_records(
    publish: Any,
    run_cli: Any,
    new_purchase: Callable[..., Any],
    producer: AIOKafkaProducer,
    topic_prefix: str,
) -> None:
    flow = new_purchase()
    for envelope in flow.events:
        await publish(envelope)
    broken = encode(make_envelope(ProviderRegisteredV1))
    await producer.send_and_wait(
        topic_prefix + broken.topic, b"{not json", key=broken.key, headers=broken.headers
    )

    result = await run_cli("tail", "--from", "beginning", "--max", "6", "--timeout", "20", "--json")

    assert result.exit_code == 0, result.output
    seen = json_lines(result.output)
    assert len(seen) == 6
    assert {r["id"] for r in seen if r["decoded"]} == {e.id for e in flow.events}
    [bad] = [r for r in seen if not r["decoded"]]
    assert bad["problem"].startswith("bad_json")
    assert bad["type"] == ProviderRegisteredV1.event_type  # still findable by its headers
    assert bad["data"] == "{not json"


async def test_tail_filters_by_type_subject_and_correlation(
    publish: Any, run_cli: Any, new_purchase: Callable[..., Any]
) -> None:
    flow, other = new_purchase(), new_purchase()
    for envelope in [*flow.events, *other.events]:
        await publish(envelope)

    by_type = await run_cli(
        "tail",
        "--from",
        "beginning",
        "--type",
        unversioned(PaymentSucceededV1.event_type),
        "--max",
        "2",
        "--timeout",
        "20",
        "--json",
    )
    assert {r["type"] for r in json_lines(by_type.output)} == {PaymentSucceededV1.event_type}
    assert len(json_lines(by_type.output)) == 2

    by_subject = await run_cli(
        "tail",
        "--from",
        "beginning",
        "--subject",
        str(flow.enrollment_id),
        "--timeout",
        "3",
        "--json",
    )
    subjects = json_lines(by_subject.output)
    assert [r["type"].split(".")[-2] for r in subjects] == ["requested", "completed"]

    by_flow = await run_cli(
        "tail",
        "--from",
        "beginning",
        "--correlation-id",
        other.correlation_id,
        "--type",
        "*.enrollment.*",
        "--timeout",
        "3",
        "--json",
    )
    assert {r["correlation_id"] for r in json_lines(by_flow.output)} == {other.correlation_id}
    assert len(json_lines(by_flow.output)) == 2


async def test_tail_from_a_time_starts_at_the_first_record_at_or_after_it(
    publish: Any, run_cli: Any
) -> None:
    before = await publish(make_envelope(ProviderRegisteredV1))
    # Record timestamps are the producer's clock in ms: wait until it has moved on.
    await wait_until(lambda: datetime.now(UTC).timestamp() * 1000 > before.timestamp + 5)
    since = datetime.now(UTC)
    later = make_envelope(ProviderRegisteredV1)
    await publish(later)

    result = await run_cli(
        "tail",
        "--topic",
        "catalog.providers",
        "--from",
        since.isoformat(),
        "--timeout",
        "3",
        "--json",
    )

    assert result.exit_code == 0, result.output
    assert [r["id"] for r in json_lines(result.output)] == [later.id]


async def test_tail_from_now_follows_only_what_arrives_afterwards(
    publish: Any, ops_target: OpsTarget
) -> None:
    await publish(make_envelope(ProviderRegisteredV1))
    ready = asyncio.Event()
    seen: list[OpsRecord] = []
    subject = uuid.uuid4()

    async def follow() -> None:
        async for record in tail(
            ops_target.bootstrap,
            ops_target.declared_topics(),
            start="now",
            event_filter=EventFilter(),
            max_events=1,
            timeout_s=20,
            ready=ready,
        ):
            seen.append(record)

    task = asyncio.create_task(follow())
    await asyncio.wait_for(ready.wait(), 20)
    await publish(make_envelope(ProviderRegisteredV1, provider_id=subject))
    await asyncio.wait_for(task, 25)
    assert [r.subject for r in seen] == [str(subject)]


async def test_tail_rejects_a_start_that_is_not_a_time(run_cli: Any) -> None:
    result = await run_cli("tail", "--from", "yesterday-ish", "--timeout", "1")
    assert result.exit_code == 2
    assert "RFC 3339" in result.output
