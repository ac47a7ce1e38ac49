"""The transactions a consumer handles events in: the inbox claim and the handler's work
commit together, so an event is handled once however often it is delivered."""

from __future__ import annotations

import logging
import time
from typing import Any

from aiokafka.structs import ConsumerRecord
from credmarket_events.envelope import H_TYPE, Envelope, decode
from credmarket_events.errors import InvalidEventError

from credmarket_platform.db.database import Database
from credmarket_platform.messaging import inbox
from credmarket_platform.messaging.handlers import (
    CallThenRecord,
    Handler,
    HandlerContext,
    HandlerRegistry,
)
from credmarket_platform.messaging.metrics import EVENTS_CONSUMED, HANDLER_LATENCY
from credmarket_platform.observability.logging import bind_correlation_id

log = logging.getLogger("credmarket_platform.messaging.consumer")


def runs(registry: HandlerRegistry, records: list[ConsumerRecord]) -> list[list[ConsumerRecord]]:
    """Consecutive records that may share one transaction; a record whose handler calls
    another system stands alone (see CallThenRecord)."""
    grouped: list[list[ConsumerRecord]] = []
    current: list[ConsumerRecord] = []
    for record in records:
        if registry.call_of(_event_type(record)) is None:
            current.append(record)
            continue
        if current:
            grouped.append(current)
            current = []
        grouped.append([record])
    if current:
        grouped.append(current)
    return grouped


def _event_type(record: ConsumerRecord) -> str:
    """The CloudEvents type header, without decoding the record ('' when absent)."""
    for key, value in record.headers or []:
        if key == H_TYPE:
            return bytes(value).decode("utf-8", "replace")
    return ""


async def handle_batch(
    db: Database, registry: HandlerRegistry, group: str, source: str, records: list[ConsumerRecord]
) -> bool:
    """Handle a partition's batch in one transaction (one commit instead of one per event).

    All or nothing: if any record does not decode or any handler raises, the
    transaction is rolled back and False tells the caller to take the records
    one by one, where retries and dead letters apply to the one that fails.
    """
    decoded: list[tuple[Envelope[Any], Handler | None]] = []
    for record in records:
        try:
            envelope = decode(record.value, record.headers, record.key)
        except InvalidEventError:
            return False
        decoded.append((envelope, registry.get(envelope.type)))
    started = time.perf_counter()
    outcomes: list[tuple[str, str]] = []
    try:
        async with db.unit_of_work() as uow:
            fresh = await inbox.claim(
                uow.session, group, [(e.id, e.type) for e, h in decoded if h is not None]
            )
            for envelope, handler in decoded:
                if handler is None:
                    outcomes.append((envelope.type, "skipped"))
                elif envelope.id not in fresh:
                    outcomes.append((envelope.type, "duplicate"))
                else:
                    fresh.discard(envelope.id)  # the same event twice in one batch
                    with bind_correlation_id(envelope.correlation_id):
                        await handler(HandlerContext(envelope=envelope, uow=uow, source=source))
                    outcomes.append((envelope.type, "handled"))
            await uow.commit()
    except Exception as exc:
        log.info("batch of %d failed (%r); handling it record by record", len(records), exc)
        return False
    per_event = (time.perf_counter() - started) / max(1, len(records))
    for event_type, outcome in outcomes:
        EVENTS_CONSUMED.labels(group, event_type, outcome).inc()
        if outcome == "handled":
            HANDLER_LATENCY.labels(group, event_type).observe(per_event)
    return True


async def handle_once(
    db: Database, group: str, source: str, envelope: Envelope[Any], handler: Handler
) -> None:
    started = time.perf_counter()
    async with db.unit_of_work() as uow:
        if not await inbox.claim(uow.session, group, [(envelope.id, envelope.type)]):
            EVENTS_CONSUMED.labels(group, envelope.type, "duplicate").inc()
            return
        await handler(HandlerContext(envelope=envelope, uow=uow, source=source))
        await uow.commit()
    HANDLER_LATENCY.labels(group, envelope.type).observe(time.perf_counter() - started)
    EVENTS_CONSUMED.labels(group, envelope.type, "handled").inc()


async def call_then_record(
    db: Database,
    group: str,
    source: str,
    envelope: Envelope[Any],
    steps: CallThenRecord[Any, Any],
) -> None:
    """The call outside any transaction of ours, then the inbox and the recording."""
    if await inbox.inbox_has(db, group, envelope.id):
        EVENTS_CONSUMED.labels(group, envelope.type, "duplicate").inc()
        return
    started = time.perf_counter()
    called = await steps.call(envelope)
    async with db.unit_of_work() as uow:
        if not await inbox.claim(uow.session, group, [(envelope.id, envelope.type)]):
            EVENTS_CONSUMED.labels(group, envelope.type, "duplicate").inc()
            return
        await steps.record(HandlerContext(envelope=envelope, uow=uow, source=source), called)
        await uow.commit()
    HANDLER_LATENCY.labels(group, envelope.type).observe(time.perf_counter() - started)
    EVENTS_CONSUMED.labels(group, envelope.type, "handled").inc()
