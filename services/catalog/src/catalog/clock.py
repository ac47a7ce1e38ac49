"""The one place the catalog reads the time: UTC, always.

Webhook retries span days; their code takes a ``Clock`` so that a test can move time
on instead of waiting for it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


def utcnow() -> datetime:
    return datetime.now(UTC)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return utcnow()
