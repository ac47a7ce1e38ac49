"""`Prefer: wait=N` (RFC 7240) on a purchase: answer once the PaymentIntent exists.

Payments creates the PaymentIntent after the purchase is committed (a broker round trip
and a Stripe call), so the purchase answers at once with `next_action:
wait_for_payment_intent`. A client that would rather wait a moment than watch the event
stream asks for it; the answer then carries the client secret when it came in time, and
`Preference-Applied` says the wait was honoured. Bounded, so a request never holds its
slot for long. ADR 0026.
"""

from __future__ import annotations

import asyncio
import re

from credmarket_platform.db.database import Database

from enrollment.db import repository
from enrollment.db.live_updates import UpdatesHub
from enrollment.domain.enrollment import Enrollment
from enrollment.domain.status import EnrollmentStatus

MAX_WAIT_S = 10
_WAIT = re.compile(r"(?:^|[,;\s])wait\s*=\s*(\d{1,4})(?:$|[,;\s])", re.IGNORECASE)


def preferred_wait(prefer: str | None) -> int | None:
    """The seconds a `Prefer` header asks to wait, capped; None when it asks none."""
    if not prefer:
        return None
    match = _WAIT.search(prefer)
    if match is None:
        return None
    return min(int(match.group(1)), MAX_WAIT_S) or None


async def until_intent(
    db: Database, hub: UpdatesHub, enrollment: Enrollment, wait_s: float
) -> Enrollment:
    """The enrollment once it has a client secret or left pending, or as it is after
    ``wait_s``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    with hub.subscribe(str(enrollment.id)) as woken:
        while True:
            # Cleared before reading: a change committed meanwhile wakes us again.
            woken.clear()
            async with db.unit_of_work() as uow:
                current = await repository.load(uow.session, enrollment.id)
            if current is None:
                return enrollment
            if current.client_secret or current.status is not EnrollmentStatus.PENDING_PAYMENT:
                return current
            remaining = deadline - loop.time()
            if remaining <= 0:
                return current
            try:
                await asyncio.wait_for(woken.wait(), remaining)
            except TimeoutError:
                return current
