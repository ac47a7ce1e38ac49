"""The consumer runner: one consumer group, handlers by event type, inbox, dead letters.

For each record, in partition order: decode it; look up the handler; in one
database transaction record the event id in the inbox (a redelivered event
stops here) and run the handler, whose emitted events go to the outbox; commit;
then commit the offset. A handler that calls another system (``CallThenRecord``)
makes its call first, outside that transaction and outside any batch.

A failing handler is classified by the service's ``FailurePolicy``: a transient
failure is retried with capped, jittered back-off for as long as it lasts, holding
back only its partition (which shows as stuck: a gauge, and the committed offset's
metadata that ``credmarket-ops lag`` reads); a permanent one goes to the group's
dead-letter topic at once; an unknown one after ``max_attempts``. A record that is
not a valid event is dead-lettered at once. Then the partition moves on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.structs import ConsumerRecord
from credmarket_events.envelope import Envelope, decode
from credmarket_events.errors import InvalidEventError
from credmarket_events.topics import dead_letter_topic

from credmarket_platform.db.database import Database
from credmarket_platform.failures import PLATFORM_FAILURES, Failure, FailurePolicy
from credmarket_platform.messaging import transactions
from credmarket_platform.messaging.dead_letters import publish_dead_letter
from credmarket_platform.messaging.handlers import (
    CallThenRecord,
    Handler,
    HandlerRegistry,
)
from credmarket_platform.messaging.kafka import ensure_topics, idempotent_producer
from credmarket_platform.messaging.metrics import (
    EVENTS_CONSUMED,
    EVENTS_FAILED,
    PARTITION_STUCK,
    PARTITION_STUCK_SINCE,
)
from credmarket_platform.messaging.stuck import StuckPartition
from credmarket_platform.observability.logging import bind_correlation_id

log = logging.getLogger(__name__)


class _CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Before partitions move to another member, finish the batch in hand and commit it."""

    def __init__(self, runner: ConsumerRunner) -> None:
        self.runner = runner

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        # A partition's work in hand stops (its transaction rolls back; the new owner
        # redelivers what was not finished, and the inbox stops what was).
        await self.runner.stop_workers(revoked)
        async with self.runner.batch_lock:
            await self.runner.commit_processed()

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        log.info("assigned %s", sorted(f"{tp.topic}[{tp.partition}]" for tp in assigned))


class ConsumerRunner:
    def __init__(
        self,
        db: Database,
        registry: HandlerRegistry,
        *,
        bootstrap: str,
        group: str,
        topics: list[str],
        source: str,
        max_attempts: int = 5,
        backoff_initial_s: float = 0.1,
        backoff_max_s: float = 5.0,
        max_records: int = 500,
        session_timeout_ms: int = 10_000,
        commit_interval_s: float = 0.5,
        failures: FailurePolicy = PLATFORM_FAILURES,
    ) -> None:
        self.db = db
        self.registry = registry
        self.bootstrap = bootstrap
        self.group = group
        self.topics = topics
        self.source = source
        self.max_attempts = max_attempts
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.max_records = max_records
        self.session_timeout_ms = session_timeout_ms
        self.commit_interval_s = commit_interval_s
        self.failures = failures
        self._last_commit = 0.0
        self.dlq_topic = dead_letter_topic(group)
        self.batch_lock = asyncio.Lock()
        self._processed: dict[TopicPartition, int] = {}
        self._workers: dict[TopicPartition, asyncio.Task[None]] = {}
        # Records fetched for a partition whose worker is still busy with earlier ones.
        self._queued: dict[TopicPartition, list[ConsumerRecord]] = {}
        self._stuck: dict[TopicPartition, StuckPartition] = {}
        self._stuck_to_commit: set[TopicPartition] = set()
        self._stopping = False
        self._stopped = asyncio.Event()
        self.consumer: AIOKafkaConsumer | None = None
        self.producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        await ensure_topics(self.bootstrap, [self.dlq_topic], partitions=1)
        self.producer = idempotent_producer(self.bootstrap, client_id=f"{self.group}-dlq")
        await self.producer.start()
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=self.group,
            client_id=f"{self.group}-consumer",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_interval_ms=300_000,
            session_timeout_ms=self.session_timeout_ms,
            heartbeat_interval_ms=1_000,
        )
        self.consumer.subscribe(self.topics, listener=_CommitOnRevoke(self))
        await self.consumer.start()

    def stop(self) -> None:
        self._stopping = True
        self._stopped.set()

    async def close(self) -> None:
        if self.consumer is not None:
            with contextlib.suppress(Exception):
                async with self.batch_lock:
                    await self.commit_processed()
            await self.consumer.stop()
        if self.producer is not None:
            await self.producer.stop()

    async def run(self) -> None:
        assert self.consumer is not None
        loop = asyncio.get_running_loop()
        try:
            while not self._stopping:
                batch = await self.consumer.getmany(timeout_ms=200, max_records=self.max_records)
                for tp, records in batch.items():
                    self._hand_over(tp, records)
                # Offsets are committed at most every commit_interval_s, not per batch:
                # under load a commit per small batch was a broker request per event per
                # group. What a crash leaves uncommitted is redelivered and stopped by
                # the inbox, as any redelivery is; a quiet partition still commits
                # within one interval (the empty getmany above returns every 200 ms).
                pending = self._processed or self._stuck_to_commit
                if pending and loop.time() - self._last_commit >= self.commit_interval_s:
                    async with self.batch_lock:
                        await self.commit_processed()
                    self._last_commit = loop.time()
        finally:
            # Workers see _stopping between records and during retries, so this is short.
            await asyncio.gather(*self._workers.values(), return_exceptions=True)

    def _hand_over(self, tp: TopicPartition, records: list[ConsumerRecord]) -> None:
        """Queue ``records`` for the partition's worker, starting one if it has none.

        Each partition's records are handled by one task at a time, so order within a
        partition is kept and a record waiting out its retries holds back only its own
        partition. The partition stays in the fetch while its worker is busy: a
        partition paused for the length of each batch is left out of the fetch request
        already waiting at the broker, and its next record then waits for that request
        to come back (up to the fetch wait, 500 ms) instead of arriving at once. It is
        paused only when its worker falls a whole batch behind.
        """
        assert self.consumer is not None
        queue = self._queued.setdefault(tp, [])
        queue.extend(records)
        if len(queue) >= self.max_records:
            self.consumer.pause(tp)
        if tp not in self._workers:
            self._workers[tp] = asyncio.create_task(
                self._work(tp), name=f"{self.group}-{tp.topic}-{tp.partition}"
            )

    async def _work(self, tp: TopicPartition) -> None:
        records: list[ConsumerRecord] = []
        try:
            while not self._stopping and (records := self._queued.pop(tp, [])):
                if self.consumer is not None and tp in self.consumer.paused():
                    self.consumer.resume(tp)
                await self._process_partition(tp, records)
        except Exception as exc:
            # Not a handler failure (those are retried and dead-lettered in process());
            # e.g. the dead-letter topic unreachable while the broker is away. Go back to
            # the first record not known done and take the partition up again after a
            # pause: redoing a handled record is stopped by the inbox, skipping one
            # would lose it. What was queued behind it is fetched again after the seek.
            resume_at = max(self._processed.get(tp, 0), records[0].offset)
            log.error("partition %s[%d] stopped at %d: %r", tp.topic, tp.partition, resume_at, exc)
            self._queued.pop(tp, None)
            if self.consumer is not None and tp in self.consumer.assignment():
                self.consumer.pause(tp)
                self.consumer.seek(tp, resume_at)
            if not self._stopping:
                await asyncio.sleep(self.backoff_max_s)
        finally:
            self._workers.pop(tp, None)
            # Anything still queued here was left by stopping or by the seek above: it is
            # fetched again (from the committed offset, or from the seek's).
            self._queued.pop(tp, None)
            if self.consumer is not None and tp in self.consumer.assignment():
                self.consumer.resume(tp)

    async def stop_workers(self, partitions: list[TopicPartition]) -> None:
        tasks = [t for tp in partitions if (t := self._workers.get(tp)) is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for tp in partitions:
            self._queued.pop(tp, None)
            self._unstuck(tp)

    async def _process_partition(self, tp: TopicPartition, records: list[ConsumerRecord]) -> None:
        for run in transactions.runs(self.registry, records):
            if self._stopping:
                return
            if len(run) > 1 and await self._handle_batch(run):
                self._processed[tp] = run[-1].offset + 1
                continue
            for record in run:
                if self._stopping:
                    return
                done = await self.process(record)
                if not done:
                    return  # stopping while retrying: leave the record for redelivery
                self._processed[tp] = record.offset + 1

    async def commit_processed(self) -> None:
        if self.consumer is None or not (self._processed or self._stuck_to_commit):
            return
        offsets: dict[TopicPartition, tuple[int, str]] = {
            tp: (offset, "") for tp, offset in self._processed.items()
        }
        assigned = self.consumer.assignment()
        for tp in self._stuck_to_commit:
            stuck = self._stuck.get(tp)
            # Only while still stuck, and never behind what is known done.
            done_up_to = offsets.get(tp, (-1, ""))[0]
            if stuck is not None and tp in assigned and done_up_to <= stuck.offset:
                offsets[tp] = (stuck.offset, stuck.note())
        self._processed.clear()
        self._stuck_to_commit.clear()
        if not offsets:
            return
        try:
            await self.consumer.commit(offsets)
        except Exception as exc:
            # The group moved on (rebalance); the new owner redelivers and the inbox dedupes.
            log.warning("offset commit failed: %s", exc)

    def _mark_stuck(
        self,
        record: ConsumerRecord,
        envelope: Envelope[Any],
        attempts: int,
        failure: Failure,
        exc: BaseException,
    ) -> None:
        tp = TopicPartition(record.topic, record.partition)
        stuck = self._stuck.get(tp)
        if stuck is None or stuck.offset != record.offset:
            stuck = StuckPartition(
                offset=record.offset,
                since=datetime.now(UTC),
                attempts=attempts,
                failure=failure,
                error=repr(exc),
                event_type=envelope.type,
                event_id=envelope.id,
            )
            self._stuck[tp] = stuck
            labels = (self.group, tp.topic, str(tp.partition))
            PARTITION_STUCK.labels(*labels).set(1)
            PARTITION_STUCK_SINCE.labels(*labels).set(stuck.since.timestamp())
        else:
            stuck.attempts, stuck.failure, stuck.error = attempts, failure, repr(exc)
        self._stuck_to_commit.add(tp)

    def _unstuck(self, tp: TopicPartition) -> None:
        if self._stuck.pop(tp, None) is None:
            return
        self._stuck_to_commit.discard(tp)
        labels = (self.group, tp.topic, str(tp.partition))
        PARTITION_STUCK.labels(*labels).set(0)
        PARTITION_STUCK_SINCE.labels(*labels).set(0)

    def retry_delay(self, attempt: int) -> float:
        """Capped exponential back-off with jitter, so replicas and partitions that
        failed together do not all come back in the same instant."""
        # The exponent is capped: a transient failure may be retried for hours.
        growth: float = 2.0 ** min(attempt - 1, 30)
        ceiling = min(self.backoff_max_s, self.backoff_initial_s * growth)
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    async def process(self, record: ConsumerRecord) -> bool:
        """Handle one record; True once it is settled (handled, skipped or dead-lettered)."""
        try:
            envelope = decode(record.value, record.headers, record.key)
        except InvalidEventError as exc:
            await self._dead_letter(record, exc.reason, str(exc), attempts=1)
            return True
        handler = self.registry.get(envelope.type)
        if handler is None:
            log.info("skipping %s %s: no handler in %s", envelope.type, envelope.id, self.group)
            EVENTS_CONSUMED.labels(self.group, envelope.type, "skipped").inc()
            return True
        steps = self.registry.call_of(envelope.type)
        tp = TopicPartition(record.topic, record.partition)
        attempt = 0
        try:
            while True:
                attempt += 1
                try:
                    with bind_correlation_id(envelope.correlation_id):
                        if steps is None:
                            await self._handle_once(envelope, handler)
                        else:
                            await self._call_then_record(envelope, steps)
                    return True
                except Exception as exc:
                    EVENTS_FAILED.labels(self.group, envelope.type).inc()
                    failure = self.failures.classify(exc)
                    if failure is Failure.PERMANENT:
                        await self._dead_letter(
                            record, "handler_rejected", repr(exc), attempts=attempt
                        )
                        return True
                    if failure is Failure.UNKNOWN and attempt >= self.max_attempts:
                        log.error("giving up on %s %s: %r", envelope.type, envelope.id, exc)
                        await self._dead_letter(
                            record, "handler_failed", repr(exc), attempts=attempt
                        )
                        return True
                    self._mark_stuck(record, envelope, attempt, failure, exc)
                    delay = self.retry_delay(attempt)
                    log.warning(
                        "%s %s failed (%s, attempt %d): %r; retrying in %.2fs",
                        envelope.type,
                        envelope.id,
                        failure.value,
                        attempt,
                        exc,
                        delay,
                    )
                    await self._sleep_unless_stopping(delay)
                    if self._stopping:
                        return False
        finally:
            self._unstuck(tp)

    async def _sleep_unless_stopping(self, delay: float) -> None:
        # A transient failure can be retried for minutes: a shutdown must not wait for it.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), timeout=delay)

    async def _handle_batch(self, records: list[ConsumerRecord]) -> bool:
        return await transactions.handle_batch(
            self.db, self.registry, self.group, self.source, records
        )

    async def _handle_once(self, envelope: Envelope[Any], handler: Handler) -> None:
        await transactions.handle_once(self.db, self.group, self.source, envelope, handler)

    async def _call_then_record(
        self, envelope: Envelope[Any], steps: CallThenRecord[Any, Any]
    ) -> None:
        await transactions.call_then_record(self.db, self.group, self.source, envelope, steps)

    async def _dead_letter(
        self, record: ConsumerRecord, reason: str, error: str, *, attempts: int
    ) -> None:
        assert self.producer is not None
        await publish_dead_letter(
            self.producer,
            self.dlq_topic,
            record,
            group=self.group,
            reason=reason,
            error=error,
            attempts=attempts,
            backoff_initial_s=self.backoff_initial_s,
            backoff_max_s=self.backoff_max_s,
        )


@contextlib.asynccontextmanager
async def running_consumer(runner: ConsumerRunner) -> AsyncIterator[ConsumerRunner]:
    await runner.start()
    task = asyncio.create_task(runner.run(), name=f"{runner.group}-consumer")
    try:
        yield runner
    finally:
        runner.stop()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, timeout=15)
        await runner.close()
