"""When to try a failed delivery again, and when to stop.

Exponential back-off with full jitter on the upper half (so a fleet of messages that
failed together does not come back together), capped, for a window counted from the
message's enqueueing; an endpoint that has failed without one success for the whole
window is disabled.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    initial: timedelta = timedelta(seconds=5)
    cap: timedelta = timedelta(hours=6)
    window: timedelta = timedelta(days=3)

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        """The wait after the ``attempts``-th failed attempt (1 for the first)."""
        exponent = min(max(attempts - 1, 0), 32)
        base: timedelta = min(self.initial * (2**exponent), self.cap)
        jittered: timedelta = base * rng.uniform(0.5, 1.0)
        return jittered

    def next_attempt(
        self, enqueued_at: datetime, attempts: int, now: datetime, rng: random.Random
    ) -> datetime | None:
        """When to try again, or None once the window is over."""
        if now - enqueued_at >= self.window:
            return None
        return now + self.delay(attempts, rng)

    def endpoint_exhausted(self, failing_since: datetime | None, now: datetime) -> bool:
        return failing_since is not None and now - failing_since >= self.window
