"""Dead letters through the CLI: list, show, replay, the ledger, and a stuck flow completing.

The consumer is the real runner from credmarket_platform.messaging, with a handler
that fails until a flag is flipped: its event ends up as a dead letter, the way a
bug fixed later would leave it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from credmarket_events.enrollment import EnrollmentRequestedV1
from credmarket_events.testing import make_envelope
from credmarket_infra.ops.ledger import read_ledger
from credmarket_infra.ops.target import OpsTarget
from credmarket_platform.db import Database
from credmarket_platform.messaging.consumer import ConsumerRunner, running_consumer
from credmarket_platform.messaging.handlers import HandlerContext, HandlerRegistry
from credmarket_testing.messaging_probe import create_schema, effect_rows, effects
from credmarket_testing.wait import wait_until

pytestmark = pytest.mark.integration


class PaymentsStandIn:
    """Payments' consumer group with a handler that is broken until ``fixed``."""

    def __init__(self) -> None:
        self.fixed = False
        self.registry = HandlerRegistry()
        self.registry.register(EnrollmentRequestedV1, self.handle_requested)

    async def handle_requested(self, ctx: HandlerContext[EnrollmentRequestedV1]) -> None:
        if not self.fixed:
            raise RuntimeError("payment provider client misconfigured")
        await ctx.uow.session.execute(
            sa.insert(effects).values(
                event_id=ctx.envelope.id,
                key=str(ctx.data.enrollment_id),
                name="payment intent created",
                handled_by="payments",
            )
        )


@pytest.fixture
async def db(database_url: str, topic_prefix: str) -> AsyncIterator[Database]:
    database = Database(database_url, topic_prefix=topic_prefix)
    await create_schema(database)
    yield database
    await database.dispose()


@pytest.fixture
async def payments(
    db: Database, kafka_bootstrap: str, topic_prefix: str
) -> AsyncIterator[PaymentsStandIn]:
    stand_in = PaymentsStandIn()
    runner = ConsumerRunner(
        db,
        stand_in.registry,
        bootstrap=kafka_bootstrap,
        group=f"{topic_prefix}payments",
        topics=[f"{topic_prefix}enrollment.enrollments"],
        source="/payments",
        max_attempts=2,
        backoff_initial_s=0.01,
    )
    async with running_consumer(runner):
        yield stand_in


async def handled(db: Database, event_id: str) -> int:
    return sum(1 for row in await effect_rows(db) if row["event_id"] == event_id)


async def dead_letters(run_cli: Any) -> list[dict[str, Any]]:
    result = await run_cli("dlq", "list", "--json")
    assert result.exit_code == 0, result.output
    letters: list[dict[str, Any]] = json.loads(result.output)
    return letters


async def test_a_replay_makes_a_stuck_flow_complete_exactly_once(
    payments: PaymentsStandIn,
    db: Database,
    publish: Any,
    run_cli: Any,
    ops_target: OpsTarget,
    topic_prefix: str,
) -> None:
    request = make_envelope(EnrollmentRequestedV1, enrollment_id=uuid.uuid4())
    origin = await publish(request)
    await wait_until(lambda: _has_letters(run_cli, 1), timeout=30, message="no dead letter")

    [letter] = await dead_letters(run_cli)
    dlq = f"{topic_prefix}payments.dlq"
    assert letter["dlq_topic"] == dlq
    assert letter["reason"] == "handler_failed"
    assert letter["group"] == f"{topic_prefix}payments"
    assert letter["origin"] == {
        "topic": origin.topic,
        "partition": origin.partition,
        "offset": origin.offset,
    }
    assert letter["id"] == request.id
    assert letter["replayed"] is None

    shown = await run_cli("dlq", "show", dlq, "0", str(letter["offset"]), "--json")
    full = json.loads(shown.output)
    assert full["attempts"] == 2
    assert "payment provider client misconfigured" in full["error"]
    assert full["decoded"] is True
    assert full["data"]["enrollment_id"] == str(request.data.enrollment_id)
    assert full["headers"]["ce_id"] == request.id
    assert full["headers"]["dlq_source_topic"] == origin.topic
    human = await run_cli("dlq", "show", "payments.dlq", "0", str(letter["offset"]))
    assert "handler_failed" in human.output
    assert "payment provider client misconfigured" in human.output

    # The trace shows where the flow is stuck.
    stuck = json.loads((await run_cli("trace", request.correlation_id, "--json")).output)
    # By name: other groups (catalog's webhooks) read the same topic.
    assert _group(stuck["hops"][0], f"{topic_prefix}payments")["status"] == "dead-lettered"
    assert stuck["hops"][0]["dead_letters"][0]["reason"] == "handler_failed"

    payments.fixed = True
    replayed = await run_cli("dlq", "replay", "payments.dlq", "0", str(letter["offset"]), "--json")
    assert replayed.exit_code == 0, replayed.output
    [outcome] = json.loads(replayed.output)
    assert outcome["status"] == "replayed"
    entry = outcome["entry"]
    assert entry["replayed_to"] == origin.topic
    assert entry["event_id"] == request.id

    await wait_until(lambda: _handled_once(db, request.id), timeout=30, message="not handled")
    ledger = await read_ledger(ops_target)
    assert ledger[f"{dlq}/0/{letter['offset']}"].replayed_offset == entry["replayed_offset"]

    # The trace reads the group's committed offsets, which follow the handling within the
    # consumer's commit interval (0.5 s).
    async def trace_shows_copy_handled() -> bool:
        after = json.loads((await run_cli("trace", request.correlation_id, "--json")).output)
        return bool(_group(after["hops"][-1], f"{topic_prefix}payments")["status"] == "handled")

    await wait_until(trace_shows_copy_handled, timeout=10, message="copy not shown handled")
    # The replayed copy carries the original's key, value and headers, minus dlq_*, plus marks.
    after = json.loads((await run_cli("trace", request.correlation_id, "--json")).output)
    original, copy = after["hops"]
    assert copy["offset"] == entry["replayed_offset"]
    assert copy["id"] == request.id
    assert _group(copy, f"{topic_prefix}payments")["status"] == "handled"
    assert _group(original, f"{topic_prefix}payments")["status"] == "dead-lettered"
    [listed] = await dead_letters(run_cli)
    assert listed["replayed"]["replayed_offset"] == entry["replayed_offset"]

    # Never twice by accident: one letter is refused, a selection skips it.
    again = await run_cli("dlq", "replay", dlq, "0", str(letter["offset"]))
    assert again.exit_code == 1
    assert "already replayed" in again.output
    everything = await run_cli("dlq", "replay", "--all", "--json")
    assert everything.exit_code == 0
    assert [o["status"] for o in json.loads(everything.output)] == ["skipped"]
    assert await _records_on(ops_target, origin.topic) == 2

    # --force replays again; the inbox (keyed by ce_id) still has it handled only once.
    forced = await run_cli("dlq", "replay", dlq, "0", str(letter["offset"]), "--force", "--json")
    [forced_outcome] = json.loads(forced.output)
    assert forced_outcome["status"] == "replayed"
    assert forced_outcome["entry"]["forced"] is True
    forced_offset = forced_outcome["entry"]["replayed_offset"]
    await wait_until(
        lambda: _committed_past(run_cli, f"{topic_prefix}payments", forced_offset), timeout=30
    )
    assert await handled(db, request.id) == 1


async def test_replay_by_filter_picks_letters_by_reason_and_type(
    publish: Any, run_cli: Any, producer: Any, topic_prefix: str, kafka_bootstrap: str
) -> None:
    from credmarket_platform.messaging.dead_letters import dead_letter_headers
    from credmarket_testing.kafka import create_topics

    dlq = f"{topic_prefix}issuance.dlq"
    await create_topics(kafka_bootstrap, [dlq], partitions=1)
    request = make_envelope(EnrollmentRequestedV1)
    origin = await publish(request)
    from credmarket_events.envelope import encode

    message = encode(request)
    for reason in ("handler_failed", "bad_json", "handler_failed"):
        headers = dead_letter_headers(
            message.headers,
            error="boom",
            reason=reason,
            group=f"{topic_prefix}issuance",
            topic=origin.topic,
            partition=origin.partition,
            offset=origin.offset,
            attempts=1,
        )
        await producer.send_and_wait(dlq, message.value, key=message.key, headers=headers)

    nothing = await run_cli("dlq", "replay", "--type", "credmarket.no.such.type.v1", "--json")
    assert json.loads(nothing.output) == []
    by_reason = await run_cli("dlq", "replay", "--reason", "bad_json", "--json")
    assert [o["dead_letter"] for o in json.loads(by_reason.output)] == [f"{dlq}/0/1"]
    by_type = await run_cli("dlq", "replay", "--type", EnrollmentRequestedV1.event_type, "--json")
    assert [(o["dead_letter"], o["status"]) for o in json.loads(by_type.output)] == [
        (f"{dlq}/0/0", "replayed"),
        (f"{dlq}/0/1", "skipped"),
        (f"{dlq}/0/2", "replayed"),
    ]
    usage = await run_cli("dlq", "replay")
    assert usage.exit_code == 2


async def _has_letters(run_cli: Any, count: int) -> bool:
    return len(await dead_letters(run_cli)) >= count


async def _handled_once(db: Database, event_id: str) -> bool:
    return await handled(db, event_id) == 1


async def _committed_past(run_cli: Any, group: str, offset: int) -> bool:
    report = json.loads((await run_cli("lag", "--group", group, "--json")).output)
    return any(p["committed"] is not None and p["committed"] > offset for p in report["partitions"])


async def _records_on(target: OpsTarget, topic: str) -> int:
    from credmarket_infra.ops.reading import read_existing

    # Records, not offsets: a replay's transaction marker takes an offset too.
    return len(await read_existing(target.bootstrap, [topic]))


def _group(hop: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [g for g in hop["groups"] if g["group"] == name]
    assert len(found) == 1, hop["groups"]
    return found[0]
