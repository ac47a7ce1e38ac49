"""What a learner, provider or ops person does to an enrollment through the API: buy an
offering, cancel an unpaid enrollment, report a completion. Each commits the transition
and the events it causes together (actions.changes)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

from credmarket_events.base import EventData
from credmarket_events.envelope import Envelope
from credmarket_platform.db.unit_of_work import UnitOfWork
from credmarket_platform.observability.logging import correlation_id_var
from sqlalchemy.exc import IntegrityError

from enrollment.actions import changes
from enrollment.db import repository
from enrollment.domain import lifecycle, purchase
from enrollment.domain.enrollment import Enrollment
from enrollment.domain.status import CancelReason
from enrollment.domain.values import CompletionReport
from enrollment.runtime import SOURCE, EnrollmentRuntime

# Whether the caller may see (and so act on) an enrollment; decided by the adapter.
Visible = Callable[[Enrollment], bool]


class AlreadyEnrolled(Exception):
    """The learner holds an enrollment of this offering that is not cancelled or revoked."""

    def __init__(self, existing_id: UUID) -> None:
        super().__init__(f"already enrolled: {existing_id}")
        self.existing_id = existing_id


class EnrollmentNotFound(Exception):
    """No such enrollment, or one the caller may not see: never confirm it exists."""


def emitter(uow: UnitOfWork) -> Callable[[EventData], None]:
    """Emit into ``uow``, continuing the caller's correlation id."""

    def emit(data: EventData) -> None:
        uow.emit(Envelope(data=data, source=SOURCE, correlation_id=correlation_id_var.get() or ""))

    return emit


async def buy(
    rt: EnrollmentRuntime, buyer: purchase.Buyer, offering_id: UUID, offering_version: int
) -> Enrollment:
    """A new enrollment awaiting payment. Refuses with purchase's DomainRefusals or
    AlreadyEnrolled."""
    now = datetime.now(UTC)
    try:
        async with rt.db.unit_of_work() as uow:
            facts = await repository.purchase_facts(uow.session, buyer.learner_id, offering_id)
            if facts.live_enrollment_id is not None:
                raise AlreadyEnrolled(facts.live_enrollment_id)
            version = purchase.choose_version(facts.head, facts.current, offering_version)
            transition = purchase.start(
                enrollment_id=uuid.uuid4(),
                buyer=buyer,
                version=version,
                now=now,
                payment_window=rt.settings.payment_window,
            )
            await changes.apply(uow.session, transition, now=now, emit=emitter(uow))
            await uow.commit()
    except IntegrityError:
        # Another purchase of the same offering by this learner committed first.
        async with rt.db.unit_of_work() as uow:
            winner = await repository.find_live(uow.session, buyer.learner_id, offering_id)
        if winner is None:
            raise
        raise AlreadyEnrolled(winner.id) from None
    return transition.after


async def cancel(
    rt: EnrollmentRuntime, enrollment_id: UUID, reason: CancelReason, visible: Visible
) -> Enrollment:
    """Cancel an unpaid enrollment; refuses with TransitionRefused (carrying the status)."""
    now = datetime.now(UTC)
    async with rt.db.unit_of_work() as uow:
        e = await repository.load(uow.session, enrollment_id, for_update=True)
        if e is None or not visible(e):
            raise EnrollmentNotFound
        transition = lifecycle.cancel(e, at=now, reason=reason)
        await changes.apply(uow.session, transition, now=now, emit=emitter(uow))
        await uow.commit()
    return transition.after


async def complete(
    rt: EnrollmentRuntime, enrollment_id: UUID, report: CompletionReport, visible: Visible
) -> Enrollment:
    """Record the provider's completion report; refuses with TransitionRefused."""
    async with rt.db.unit_of_work() as uow:
        e = await repository.load(uow.session, enrollment_id, for_update=True)
        if e is None or not visible(e):
            raise EnrollmentNotFound
        transition = lifecycle.complete(e, report)
        await changes.apply(uow.session, transition, now=report.reported_at, emit=emitter(uow))
        await uow.commit()
    return transition.after
