"""`credmarket-ops lag` and `topics` on the real broker."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from typing import Any

import pytest
from credmarket_events.enrollment import EnrollmentRequestedV1
from credmarket_events.testing import make_envelope

pytestmark = pytest.mark.integration


async def test_lag_per_partition_with_total_and_alerting_exit_code(
    publish: Any, run_cli: Any, commit_offset: Any, topic_prefix: str
) -> None:
    enrollment_id = uuid.uuid4()  # one key: all three on one partition
    sent = [
        await publish(make_envelope(EnrollmentRequestedV1, enrollment_id=enrollment_id))
        for _ in range(3)
    ]
    group = f"{topic_prefix}payments"
    await commit_offset(group, sent[0])

    result = await run_cli("lag", "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["total"] == 2
    assert report["groups"] == {group: 2}
    lagging = [p for p in report["partitions"] if p["lag"]]
    assert lagging == [
        {
            "group": group,
            "topic": sent[0].topic,
            "partition": sent[0].partition,
            "committed": sent[0].offset + 1,
            "end": sent[-1].offset + 1,
            "lag": 2,
            "stuck": None,
        }
    ]
    assert report["stuck"] == 0
    # Every partition of the topic payments consumes is accounted for, committed or not.
    assert len(report["partitions"]) == 6

    over = await run_cli("lag", "--group", "payments", "--max-lag", "1")
    assert over.exit_code == 1
    assert "total lag 2 (limit 1)" in over.output
    at_limit = await run_cli("lag", "--group", "payments", "--max-lag", "2", "--json")
    assert at_limit.exit_code == 0
    other_group = await run_cli("lag", "--group", "issuance", "--json")
    assert json.loads(other_group.output)["total"] == 0


def test_the_installed_entry_point_answers_help_for_every_command() -> None:
    for command in (
        [],
        ["tail"],
        ["trace"],
        ["lag"],
        ["topics"],
        ["dlq"],
        ["dlq", "list"],
        ["dlq", "show"],
        ["dlq", "replay"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "credmarket_infra.ops.cli", *command, "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "Usage" in done.stdout


async def test_topics_lists_event_and_dead_letter_topics_with_counts(
    publish: Any, run_cli: Any, topic_prefix: str, producer: Any, kafka_bootstrap: str
) -> None:
    from credmarket_testing.kafka import create_topics

    for _ in range(2):
        await publish(make_envelope(EnrollmentRequestedV1))
    dlq = f"{topic_prefix}payments.dlq"
    await create_topics(kafka_bootstrap, [dlq], partitions=1)
    await producer.send_and_wait(dlq, b"{}", key=b"k")

    result = await run_cli("topics", "--json")

    assert result.exit_code == 0, result.output
    topics = {t["name"]: t for t in json.loads(result.output)}
    enrollments = topics[f"{topic_prefix}enrollment.enrollments"]
    assert enrollments["kind"] == "events"
    assert enrollments["messages"] == 2
    assert enrollments["partitions"] == 6
    assert enrollments["cleanup_policy"] == "delete"
    assert enrollments["retention_ms"] == 30 * 24 * 3600 * 1000
    assert topics[dlq]["kind"] == "dead letters"
    assert topics[dlq]["messages"] == 1
    assert topics[f"{topic_prefix}catalog.offerings"]["messages"] == 0
    human = await run_cli("topics")
    assert "dead letters" in human.output


async def test_a_stuck_partition_is_shown_with_why_until_it_heals(
    publish: Any, run_cli: Any, topic_prefix: str, database_url: str, kafka_bootstrap: str
) -> None:
    """The real consumer runner, whose handler meets a database that is away (a transient
    failure): the partition holds back, and `lag` says which, since when and why."""
    from credmarket_platform.db import Database
    from credmarket_platform.messaging.consumer import ConsumerRunner, running_consumer
    from credmarket_platform.messaging.handlers import HandlerContext, HandlerRegistry
    from credmarket_testing.messaging_probe import create_schema
    from credmarket_testing.wait import wait_until

    db = Database(database_url, topic_prefix=topic_prefix)
    await create_schema(db)
    database_back = False
    handled: list[str] = []

    async def handle(ctx: HandlerContext[EnrollmentRequestedV1]) -> None:
        if not database_back:
            raise ConnectionRefusedError(111, "the payments database is failing over")
        handled.append(ctx.envelope.id)

    registry = HandlerRegistry()
    registry.register(EnrollmentRequestedV1, handle)
    group = f"{topic_prefix}payments"
    runner = ConsumerRunner(
        db,
        registry,
        bootstrap=kafka_bootstrap,
        group=group,
        topics=[f"{topic_prefix}enrollment.enrollments"],
        source="/payments",
        max_attempts=2,
        backoff_initial_s=0.05,
        backoff_max_s=0.2,
        commit_interval_s=0.1,
    )
    sent = await publish(make_envelope(EnrollmentRequestedV1, enrollment_id=uuid.uuid4()))
    try:
        async with running_consumer(runner):

            async def stuck_shown() -> bool:
                report = json.loads((await run_cli("lag", "--group", "payments", "--json")).output)
                return bool(report["stuck"])

            await wait_until(
                stuck_shown, timeout=30, message="lag never showed the stuck partition"
            )
            report = json.loads((await run_cli("lag", "--group", "payments", "--json")).output)
            (row,) = [p for p in report["partitions"] if p["stuck"]]
            assert (row["topic"], row["partition"]) == (sent.topic, sent.partition)
            assert row["lag"] == 1
            note = row["stuck"]
            assert note["failure"] == "transient"
            assert note["attempts"] > 2  # past max_attempts: transient, not given up on
            assert note["event_type"] == EnrollmentRequestedV1.event_type
            assert "failing over" in note["error"]
            human = await run_cli("lag", "--group", "payments", "--fail-if-stuck")
            assert human.exit_code == 1
            assert "stuck partitions" in human.output

            database_back = True
            await wait_until(lambda: len(handled) == 1, timeout=30, message="never handled")

            async def healed() -> bool:
                result = await run_cli("lag", "--group", "payments", "--fail-if-stuck", "--json")
                report = json.loads(result.output)
                return bool(result.exit_code == 0 and report["total"] == 0)

            await wait_until(healed, timeout=30, message="the partition stayed stuck")
    finally:
        await db.dispose()
