"""Put dead letters back on their origin topic, each at most once unless forced.

The replayed record and its ledger entry are written in one Kafka transaction:
either both are visible or neither, so a crash between the two can neither lose
the ledger entry (and allow a second replay) nor record a replay that never
happened.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from aiokafka import AIOKafkaProducer

from credmarket_infra.ops.dlq import DeadLetter
from credmarket_infra.ops.ledger import ReplayEntry, ensure_ledger, read_ledger
from credmarket_infra.ops.target import OpsTarget

Status = Literal["replayed", "skipped", "failed"]

# Two clicks on the page (or two replays in one CLI run) must not both pass the
# ledger check before either has written: one replay at a time per process.
_REPLAY_LOCK = asyncio.Lock()


@dataclass(frozen=True)
class ReplayOutcome:
    letter: DeadLetter
    status: Status
    message: str
    entry: ReplayEntry | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "dead_letter": self.letter.key,
            "status": self.status,
            "message": self.message,
            "entry": self.entry.to_json() if self.entry else None,
        }


def _transactional_producer(bootstrap: str) -> AIOKafkaProducer:
    # A fresh transactional id per run: two ops replaying at once must not fence
    # each other; the ledger, not the producer id, is what prevents doubles.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id="credmarket-ops-replay",
        transactional_id=f"credmarket-ops-replay-{uuid.uuid4()}",
        enable_idempotence=True,
        acks="all",
    )


async def replay(
    target: OpsTarget,
    letters: list[DeadLetter],
    *,
    force: bool = False,
    by: str = "credmarket-ops",
) -> list[ReplayOutcome]:
    if not letters:
        return []
    await ensure_ledger(target)
    async with _REPLAY_LOCK:
        ledger = await read_ledger(target)
        producer = _transactional_producer(target.bootstrap)
        await producer.start()
        try:
            return [await _replay_one(producer, target, d, ledger, force, by) for d in letters]
        finally:
            await producer.stop()


async def _replay_one(
    producer: AIOKafkaProducer,
    target: OpsTarget,
    letter: DeadLetter,
    ledger: dict[str, ReplayEntry],
    force: bool,
    by: str,
) -> ReplayOutcome:
    earlier = ledger.get(letter.key)
    if earlier is not None and not force:
        return ReplayOutcome(
            letter,
            "skipped",
            f"already replayed at {earlier.replayed_at} to "
            f"{earlier.replayed_to}/{earlier.replayed_partition}/{earlier.replayed_offset}"
            " (use --force to replay again)",
            earlier,
        )
    origin = letter.source_topic
    if not origin:
        return ReplayOutcome(letter, "failed", "the dead letter names no dlq_source_topic")
    replayed_at = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    headers = [
        *letter.original_headers(),
        ("replayed_from", letter.key.encode()),
        ("replayed_at", replayed_at.encode()),
    ]
    async with producer.transaction():
        sent = await producer.send_and_wait(
            origin, letter.record.value, key=letter.record.key, headers=headers
        )
        entry = ReplayEntry(
            key=letter.key,
            dlq_topic=letter.record.topic,
            dlq_partition=letter.record.partition,
            dlq_offset=letter.record.offset,
            replayed_to=origin,
            replayed_partition=sent.partition,
            replayed_offset=sent.offset,
            replayed_at=replayed_at,
            event_id=letter.record.event_id,
            by=by,
            forced=earlier is not None,
        )
        await producer.send_and_wait(target.ledger_topic, entry.encode(), key=letter.key.encode())
    ledger[letter.key] = entry
    return ReplayOutcome(
        letter, "replayed", f"replayed to {origin}/{sent.partition}/{sent.offset}", entry
    )
