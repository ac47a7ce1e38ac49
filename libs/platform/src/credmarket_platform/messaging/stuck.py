"""A stuck partition: its next record keeps failing, so it holds back while others flow.

The consumer commits the record's offset with a short JSON note as the commit's
metadata, so anything that reads the group's offsets (``credmarket-ops lag``, the ops
page) sees which partition is stuck, since when, on which event and why, without
asking any process; the next commit of that partition (the record settled) clears it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from credmarket_platform.failures import Failure

# Kafka keeps at most offset.metadata.max.bytes (4096 by default) per committed offset.
MAX_NOTE = 1000
MAX_ERROR = 300


@dataclass
class StuckPartition:
    offset: int
    since: datetime
    attempts: int
    failure: Failure
    error: str
    event_type: str
    event_id: str

    def note(self) -> str:
        """The offset commit's metadata."""
        body = {
            "stuck_since": self.since.isoformat(),
            "attempts": self.attempts,
            "failure": self.failure.value,
            "event_type": self.event_type,
            "event_id": self.event_id,
            "error": self.error[:MAX_ERROR],
        }
        return json.dumps(body, separators=(",", ":"))[:MAX_NOTE]


def read_note(metadata: str | None) -> dict[str, Any] | None:
    """The note of a committed offset, or None when the partition is not stuck."""
    if not metadata:
        return None
    try:
        note = json.loads(metadata)
    except ValueError:
        return None  # another tool's metadata: not ours to read
    if not isinstance(note, dict) or "stuck_since" not in note:
        return None
    return note
