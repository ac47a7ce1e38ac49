"""The replay ledger: which dead letters were replayed, where to, and when.

A compacted topic keyed by the dead letter's coordinates: the latest entry per
letter is kept for as long as the topic exists, whatever its age, and the whole
ledger stays small enough to read at every replay (see ADR 0014).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from credmarket_platform.messaging.kafka import ensure_topics

from credmarket_infra.ops.reading import read_existing
from credmarket_infra.ops.target import OpsTarget

LEDGER_CONFIG = {
    "cleanup.policy": "compact",
    # Compact soon after a segment rolls: the ledger is read whole at every replay.
    "segment.ms": str(60 * 60 * 1000),
    "min.cleanable.dirty.ratio": "0.1",
}


def ledger_key(dlq_topic: str, partition: int, offset: int) -> str:
    return f"{dlq_topic}/{partition}/{offset}"


@dataclass(frozen=True)
class ReplayEntry:
    key: str
    dlq_topic: str
    dlq_partition: int
    dlq_offset: int
    replayed_to: str
    replayed_partition: int
    replayed_offset: int
    replayed_at: str
    event_id: str | None
    by: str
    forced: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def encode(self) -> bytes:
        return json.dumps(self.to_json(), sort_keys=True).encode()

    @classmethod
    def decode(cls, raw: bytes) -> ReplayEntry:
        return cls(**json.loads(raw))


async def ensure_ledger(target: OpsTarget) -> None:
    await ensure_topics(target.bootstrap, [target.ledger_topic], partitions=1, config=LEDGER_CONFIG)


async def read_ledger(target: OpsTarget) -> dict[str, ReplayEntry]:
    """The latest entry per dead letter; a tombstone (null value) forgets a replay."""
    entries: dict[str, ReplayEntry] = {}
    for record in await read_existing(target.bootstrap, [target.ledger_topic]):
        if record.key is None:
            continue
        key = record.key.decode()
        if record.value is None:
            entries.pop(key, None)
            continue
        try:
            entries[key] = ReplayEntry.decode(record.value)
        except (ValueError, TypeError):
            continue  # not ours to interpret; never let it block a lookup
    return entries
