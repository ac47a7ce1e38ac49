"""The outbox relay: publishes committed outbox rows to Kafka, in order per key.

Several relays may run at once (one per replica). Each first takes keys, with a
transaction-scoped advisory lock per key, then reads the unsent rows of just
those keys in a second statement: a key being published by one relay is skipped
whole by the others, so the rows of one key are never published out of order,
and a row is never published by two relays. See docs/adr/0008-transactional-outbox-relay.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer

from credmarket_platform.db.database import Database
from credmarket_platform.db.tables import outbox
from credmarket_platform.db.unit_of_work import OUTBOX_CHANNEL
from credmarket_platform.messaging.kafka import idempotent_producer
from credmarket_platform.messaging.metrics import EVENTS_PUBLISHED, OUTBOX_BACKLOG, RELAY_LATENCY

log = logging.getLogger(__name__)

# The advisory lock namespace of the outbox (any constant unique within the database).
_LOCK_NAMESPACE = 0x0B0C

# Step 1: take the keys. The keys with unsent rows, oldest first, each kept only if
# this transaction gets its advisory lock; the lock is held until commit.
_LOCK_KEYS = sa.text(
    """
    SELECT key
    FROM (
        SELECT key, min(id) AS first_id
        FROM outbox
        WHERE sent_at IS NULL
        GROUP BY key
        ORDER BY first_id
    ) AS pending_keys
    WHERE pg_try_advisory_xact_lock(:ns, hashtext(key))
    LIMIT :keys
    """
)

# Step 2, a new statement and so a new snapshot, taken once the keys are ours: every
# unsent row of those keys is visible here, including rows another relay skipped or
# left unsent before it committed, so each key's rows form a prefix in id order.
_CLAIM = sa.text(
    """
    SELECT id, event_id, event_type, topic, key, value, headers, created_at
    FROM outbox
    WHERE sent_at IS NULL AND key = ANY(:keys)
    ORDER BY id
    LIMIT :limit
    """
)


# Step 3, in the same transaction: what was acknowledged is marked sent (built once: every
# round runs it), what failed counts an attempt.
_MARK_SENT = sa.text("UPDATE outbox SET sent_at = :now WHERE id = ANY(:ids)")
_MARK_FAILED = sa.text(
    "UPDATE outbox SET attempts = attempts + 1, last_error = :error WHERE id = :id"
)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    event_id: str
    event_type: str
    topic: str
    key: str
    value: bytes
    headers: list[list[str]]
    created_at: datetime


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        producer: AIOKafkaProducer,
        *,
        service: str,
        batch_size: int = 200,
        poll_interval_s: float = 1.0,
        retry_backoff_s: float = 0.5,
        send_timeout_s: float = 10.0,
    ) -> None:
        self.db = db
        self.producer = producer
        self.service = service
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.retry_backoff_s = retry_backoff_s
        self.send_timeout_s = send_timeout_s
        self._wake = asyncio.Event()
        self._stopping = False

    async def publish_pending(self) -> int:
        """Publish one batch; returns how many rows were published."""
        async with self.db.engine.connect() as conn, conn.begin():
            keys = list(
                await conn.scalars(_LOCK_KEYS, {"ns": _LOCK_NAMESPACE, "keys": self.batch_size})
            )
            if not keys:
                return 0
            result = await conn.execute(_CLAIM, {"keys": keys, "limit": self.batch_size})
            rows = [OutboxRow(**r._mapping) for r in result]
            if not rows:
                return 0
            sent_ids, failed = await self._send(rows)
            now = datetime.now(UTC)
            if sent_ids:
                await conn.execute(_MARK_SENT, {"ids": sent_ids, "now": now})
            if failed:
                for row_id, err in failed.items():
                    await conn.execute(_MARK_FAILED, {"id": row_id, "error": str(err)[:2000]})
        sent_set = set(sent_ids)
        for r in rows:
            if r.id in sent_set:
                RELAY_LATENCY.labels(self.service).observe(
                    max(0.0, (now - r.created_at).total_seconds())
                )
        if failed:
            raise RelayPublishError(f"{len(failed)} of {len(rows)} outbox rows not published")
        return len(sent_ids)

    async def _send(self, rows: list[OutboxRow]) -> tuple[list[int], dict[int, BaseException]]:
        """Publish the rows in rounds: each round hands the next row of every key to the
        producer at once and waits for their acknowledgements together.

        Keys go in parallel and their records travel in few produce requests; a key's
        next row goes out only once the broker acknowledged the previous one, so a failed
        row is never overtaken by a later row of its key: after a retry the topic still
        holds them in commit order. (No task or timer per row: the whole batch has one
        deadline.)
        """
        queues: dict[str, list[OutboxRow]] = {}
        for r in rows:
            queues.setdefault(r.key, []).append(r)
        sent: list[int] = []
        failed: dict[int, BaseException] = {}
        in_flight: list[tuple[OutboxRow, asyncio.Future[Any]]] = []

        def settle(row: OutboxRow, error: BaseException | None) -> None:
            if error is None:
                sent.append(row.id)
                EVENTS_PUBLISHED.labels(row.event_type).inc()
                return
            failed[row.id] = error
            for later in queues.pop(row.key, []):
                failed[later.id] = RuntimeError("an earlier row of this key failed")

        unsent: list[OutboxRow] = []  # this round's rows not yet handed to the producer
        try:
            # Bounded: with the broker away a send can wait far longer, and this
            # transaction (and with it attempts, last_error and the backlog gauge ops
            # watch) would stay open until the broker came back.
            async with asyncio.timeout(self.send_timeout_s):
                while queues:
                    unsent = [queue.pop(0) for queue in queues.values()]
                    queues = {key: queue for key, queue in queues.items() if queue}
                    while unsent:
                        r = unsent[-1]
                        try:
                            future = await self.producer.send(
                                r.topic,
                                r.value,
                                key=r.key.encode(),
                                headers=[(k, v.encode()) for k, v in r.headers],
                            )
                        except TimeoutError:
                            raise
                        except Exception as exc:  # refused before sending (too large, ...)
                            settle(unsent.pop(), exc)
                            continue
                        in_flight.append((unsent.pop(), future))
                    if in_flight:
                        await asyncio.wait([future for _, future in in_flight])
                    for r, future in in_flight:
                        settle(r, future.exception())
                    in_flight.clear()
        except TimeoutError:
            late = TimeoutError(f"the broker did not acknowledge within {self.send_timeout_s:g} s")
            for r, future in in_flight:
                done = future.done() and not future.cancelled()
                settle(r, future.exception() if done else late)
            for r in unsent:
                settle(r, late)
            for queue in list(queues.values()):
                settle(queue.pop(0), late)
        return sent, failed

    async def backlog(self) -> int:
        async with self.db.engine.connect() as conn:
            n = await conn.scalar(
                sa.select(sa.func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            )
        OUTBOX_BACKLOG.labels(self.service).set(n or 0)
        return int(n or 0)

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Publish until stopped: woken by NOTIFY, with a slow poll as back-up."""
        listener = await self._listen()
        loop = asyncio.get_running_loop()
        backlog_due = 0.0
        try:
            while not self._stopping:
                self._wake.clear()
                try:
                    while not self._stopping and await self.publish_pending() >= self.batch_size:
                        pass
                    # The gauge is a count over the outbox: once per poll interval, not
                    # after every wake (a wake per committed transaction under load).
                    if loop.time() >= backlog_due:
                        await self.backlog()
                        backlog_due = loop.time() + self.poll_interval_s
                except Exception as exc:  # the broker or database may be away for a while
                    log.warning("outbox relay: %s; retrying", exc)
                    await asyncio.sleep(self.retry_backoff_s)
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval_s)
        finally:
            if listener is not None:
                with contextlib.suppress(Exception):
                    await listener.close()

    async def _listen(self) -> asyncpg.Connection | None:
        try:
            conn = await asyncpg.connect(self.db.asyncpg_dsn())
            await conn.add_listener(OUTBOX_CHANNEL, lambda *_: self._wake.set())
            return conn
        except Exception as exc:  # polling still delivers, only slower
            log.warning("outbox relay: LISTEN unavailable (%s); polling only", exc)
            return None


class RelayPublishError(RuntimeError):
    pass


@contextlib.asynccontextmanager
async def running_relay(
    db: Database, bootstrap: str, *, service: str, **kwargs: Any
) -> AsyncIterator[OutboxRelay]:
    """Start a relay with its own producer; stop it and flush on exit."""
    producer = idempotent_producer(bootstrap, client_id=f"{service}-relay")
    await producer.start()
    relay = OutboxRelay(db, producer, service=service, **kwargs)
    task = asyncio.create_task(relay.run(), name=f"{service}-outbox-relay")
    try:
        yield relay
    finally:
        relay.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=10)
        await producer.stop()
