"""Handlers on the real database: duplicate, late and out-of-order events."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from credmarket_events.base import EventData
from credmarket_events.catalog import OfferingPublishedV1, OfferingUpdatedV1
from credmarket_events.enrollment import EnrollmentCancelledV1, RefundRequestedV1
from credmarket_events.envelope import Envelope
from credmarket_events.payments import (
    PaymentInitiatedV1,
    PaymentRefundedV1,
    PaymentSucceededV1,
)
from credmarket_events.testing import make_event
from credmarket_events.values import Money
from credmarket_platform.db.database import Database
from credmarket_platform.db.migrations import upgrade_async
from credmarket_platform.db.tables import outbox
from credmarket_platform.messaging.handlers import HandlerContext, NonRetryableError
from enrollment import sweeps
from enrollment.actions import changes
from enrollment.db import repository
from enrollment.db.migrations import SCRIPT_LOCATION
from enrollment.domain import purchase
from enrollment.domain.enrollment import Enrollment
from enrollment.domain.status import EnrollmentStatus
from enrollment.domain.values import Price
from enrollment.handlers import build_registry

pytestmark = pytest.mark.integration
REGISTRY = build_registry()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    await upgrade_async(SCRIPT_LOCATION, database_url)
    database = Database(database_url)
    yield database
    await database.dispose()


async def deliver(db: Database, data: EventData) -> list[str]:
    """Run the registered handler as the consumer would; returns the emitted event types."""
    handler = REGISTRY.get(data.event_type)
    assert handler is not None
    async with db.unit_of_work() as uow:
        await handler(
            HandlerContext(
                envelope=Envelope(data=data, source="/tests"), uow=uow, source="/enrollment"
            )
        )
        emitted = [env.type.split(".")[3] for env in uow.emitted]
        await uow.commit()
    return emitted


async def pending_enrollment(
    db: Database, *, deadline_in: timedelta = timedelta(minutes=30)
) -> Enrollment:
    now = datetime.now(UTC)
    version = purchase.OfferingVersion(uuid.uuid4(), uuid.uuid4(), 1, "Course", Price(4900, "EUR"))
    t = purchase.start(
        enrollment_id=uuid.uuid4(),
        buyer=purchase.Buyer(uuid.uuid4(), "ada@example.org", None),
        version=version,
        now=now,
        payment_window=deadline_in,
    )
    async with db.unit_of_work() as uow:
        await changes.apply(uow.session, t, now=now, emit=lambda _d: None)
        await uow.commit()
    return t.after


async def current(db: Database, enrollment_id: uuid.UUID) -> Enrollment:
    async with db.unit_of_work() as uow:
        e = await repository.load(uow.session, enrollment_id)
    assert e is not None
    return e


async def outbox_types(db: Database) -> list[str]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(sa.select(outbox.c.event_type).order_by(outbox.c.id))
    return [r[0].split(".")[3] for r in rows]


async def outbox_since_cancelled(db: Database) -> list[tuple[str, dict[str, Any]]]:
    """Type and data of each outbox event after the enrollment's cancellation."""
    async with db.engine.connect() as conn:
        rows = (
            await conn.execute(sa.select(outbox.c.event_type, outbox.c.value).order_by(outbox.c.id))
        ).all()
    types = [r[0] for r in rows]
    after = types.index(EnrollmentCancelledV1.event_type) + 1
    return [(r[0], json.loads(r[1])) for r in rows[after:]]


def succeeded(e: Enrollment, payment_id: uuid.UUID, **kw: Any) -> PaymentSucceededV1:
    return make_event(PaymentSucceededV1, payment_id=payment_id, enrollment_id=e.id, **kw)


async def test_duplicate_success_activates_once(db: Database) -> None:
    e = await pending_enrollment(db)
    pid = uuid.uuid4()
    event = succeeded(e, pid)
    assert await deliver(db, event) == ["activated"]
    assert await deliver(db, event) == []
    assert (await current(db, e.id)).status is EnrollmentStatus.ACTIVE
    assert await outbox_types(db) == ["activated"]


async def test_success_before_initiated_then_initiated_keeps_active_with_secret(
    db: Database,
) -> None:
    e = await pending_enrollment(db)
    pid = uuid.uuid4()
    await deliver(db, succeeded(e, pid, stripe_payment_intent_id="pi_abc"))
    initiated = make_event(
        PaymentInitiatedV1,
        payment_id=pid,
        enrollment_id=e.id,
        stripe_payment_intent_id="pi_abc",
        client_secret="pi_abc_secret_1",
    )
    assert await deliver(db, initiated) == []
    after = await current(db, e.id)
    assert after.status is EnrollmentStatus.ACTIVE
    assert after.payment_id == pid
    assert after.client_secret == "pi_abc_secret_1"


async def test_success_after_the_deadline_sweep_is_flagged_not_activated(db: Database) -> None:
    e = await pending_enrollment(db, deadline_in=timedelta(seconds=-1))
    assert await sweeps.cancel_overdue(db) == 1
    pid = uuid.uuid4()
    assert await deliver(db, succeeded(e, pid)) == ["requested"]
    after = await current(db, e.id)
    assert after.status is EnrollmentStatus.CANCELLED
    assert after.needs_refund
    assert after.refund_due_payment_id == pid
    # The request to refund is committed with the flag, in the same transaction.
    [(event_type, data)] = await outbox_since_cancelled(db)
    assert event_type == RefundRequestedV1.event_type
    assert data["payment_id"] == str(pid)
    assert data["reason"] == "enrollment_cancelled_before_payment"
    assert data["amount"] == {"amount": 4900, "currency": "EUR"}
    # The refund payments then makes settles the flag and changes nothing else.
    refund = make_event(PaymentRefundedV1, payment_id=pid, enrollment_id=e.id, full=True)
    assert await deliver(db, refund) == []
    settled = await current(db, e.id)
    assert not settled.needs_refund
    assert settled.status is EnrollmentStatus.CANCELLED
    assert await outbox_types(db) == ["cancelled", "requested"]


async def test_a_redelivered_success_after_the_refund_request_asks_once(db: Database) -> None:
    e = await pending_enrollment(db, deadline_in=timedelta(seconds=-1))
    assert await sweeps.cancel_overdue(db) == 1
    pid = uuid.uuid4()
    assert await deliver(db, succeeded(e, pid)) == ["requested"]
    # Same payment, new event id (the inbox cannot drop it): the domain must.
    assert await deliver(db, succeeded(e, pid)) == []
    assert len(await outbox_since_cancelled(db)) == 1


async def test_refund_overtaking_success_revokes_and_the_success_is_ignored(db: Database) -> None:
    e = await pending_enrollment(db)
    pid = uuid.uuid4()
    refund = make_event(PaymentRefundedV1, payment_id=pid, enrollment_id=e.id, full=True)
    assert await deliver(db, refund) == ["revoked"]
    assert await deliver(db, succeeded(e, pid)) == []
    assert (await current(db, e.id)).status is EnrollmentStatus.REVOKED


async def test_a_second_sweep_finds_nothing(db: Database) -> None:
    await pending_enrollment(db, deadline_in=timedelta(seconds=-1))
    await pending_enrollment(db)
    assert await sweeps.cancel_overdue(db) == 1
    assert await sweeps.cancel_overdue(db) == 0


async def test_payment_for_an_unknown_enrollment_is_not_retried(db: Database) -> None:
    with pytest.raises(NonRetryableError):
        await deliver(db, make_event(PaymentSucceededV1))


async def test_stale_and_duplicate_offering_versions_change_nothing(db: Database) -> None:
    v2 = make_event(OfferingPublishedV1, version=2, price=Money(amount=100, currency="EUR"))
    await deliver(db, v2)
    stale = make_event(
        OfferingUpdatedV1,
        offering_id=v2.offering_id,
        provider_id=v2.provider_id,
        version=1,
        price=Money(amount=999, currency="EUR"),
    )
    await deliver(db, stale)
    await deliver(db, v2)
    async with db.unit_of_work() as uow:
        head = await repository.load_head(uow.session, v2.offering_id)
        v1 = await repository.load_version(uow.session, v2.offering_id, 1)
        kept = await repository.load_version(uow.session, v2.offering_id, 2)
    assert head is not None
    assert head.current_version == 2
    assert v1 is not None  # kept, for learners who might have bought it
    assert v1.price == Price(999, "EUR")
    assert kept is not None
    assert kept.price == Price(100, "EUR")


async def test_live_status_history_is_stored_with_each_change_and_forgotten_after_retention(
    db: Database,
) -> None:
    e = await pending_enrollment(db)
    await deliver(db, make_event(PaymentInitiatedV1, payment_id=uuid.uuid4(), enrollment_id=e.id))
    async with db.unit_of_work() as uow:
        stored = await repository.updates_after(uow.session, e.id, 0, 10)
    assert [kind for _, kind, _ in stored] == ["enrollment.requested", "payment.initiated"]
    assert stored[0][0] < stored[1][0]

    later = datetime.now(UTC) + timedelta(days=31)
    assert await sweeps.forget_old_updates(db, keep=timedelta(days=60), now=later) == 0
    assert await sweeps.forget_old_updates(db, keep=timedelta(days=30), now=later) == 2
    async with db.unit_of_work() as uow:
        assert await repository.updates_after(uow.session, e.id, 0, 10) == []


async def test_the_purchase_reads_its_facts_in_one_answer(db: Database) -> None:
    published = make_event(OfferingPublishedV1, version=1, price=Money(amount=4900, currency="EUR"))
    await deliver(db, published)
    learner = uuid.uuid4()
    async with db.unit_of_work() as uow:
        unknown = await repository.purchase_facts(uow.session, learner, uuid.uuid4())
        known = await repository.purchase_facts(uow.session, learner, published.offering_id)
    assert unknown == repository.PurchaseFacts(None, None, None)
    assert known.live_enrollment_id is None
    assert known.head is not None
    assert known.head.current_version == 1
    assert known.head.provider_id == published.provider_id
    assert known.current == purchase.OfferingVersion(
        published.offering_id, published.provider_id, 1, published.title, Price(4900, "EUR")
    )

    e = await pending_enrollment(db)
    async with db.unit_of_work() as uow:
        live = await repository.purchase_facts(uow.session, e.learner_id, e.offering_id)
        # The offering of that enrollment was never published here: no head, still the
        # live enrollment (the refusal a learner gets says which one).
        await uow.session.execute(
            sa.update(repository.offerings)
            .where(repository.offerings.c.offering_id == published.offering_id)
            .values(current_version=7)
        )
        ahead = await repository.purchase_facts(uow.session, learner, published.offering_id)
    assert live == repository.PurchaseFacts(e.id, None, None)
    # A head whose current version's row is missing answers no version (refused as unknown).
    assert ahead.head is not None
    assert ahead.head.current_version == 7
    assert ahead.current is None
