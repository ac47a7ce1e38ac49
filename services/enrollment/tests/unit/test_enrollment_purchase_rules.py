"""Which version is sold, and what a new enrollment looks like."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from enrollment.domain import purchase
from enrollment.domain.facts import Activated, Requested
from enrollment.domain.offerings import OfferingHead, OfferingStatus
from enrollment.domain.status import EnrollmentStatus
from enrollment.domain.values import Price
from enrollment_factories import T0

OFFERING = uuid4()
PROVIDER = uuid4()


def head(version: int = 2, status: OfferingStatus = OfferingStatus.PUBLISHED) -> OfferingHead:
    return OfferingHead(OFFERING, PROVIDER, version, status, T0)


def version(v: int = 2, amount: int = 4900) -> purchase.OfferingVersion:
    return purchase.OfferingVersion(OFFERING, PROVIDER, v, "Course", Price(amount, "EUR"))


BUYER = purchase.Buyer(learner_id=uuid4(), email="ada@example.org", name="Ada")


def test_the_current_version_of_a_published_offering_is_sold() -> None:
    assert purchase.choose_version(head(2), version(2), 2) == version(2)


def test_unknown_offering_is_refused() -> None:
    with pytest.raises(purchase.OfferingUnknown):
        purchase.choose_version(None, None, 1)


def test_retired_offering_is_refused_whatever_the_version() -> None:
    with pytest.raises(purchase.OfferingRetired):
        purchase.choose_version(head(2, OfferingStatus.RETIRED), version(2), 2)


def test_an_outdated_version_is_refused_naming_the_current_one() -> None:
    with pytest.raises(purchase.VersionOutdated) as refused:
        purchase.choose_version(head(3), version(3), 2)
    assert refused.value.current.version == 3
    assert "version 3 is current" in str(refused.value)


def test_a_version_not_seen_here_yet_is_refused_as_retryable() -> None:
    with pytest.raises(purchase.VersionNotYetKnown, match="retry"):
        purchase.choose_version(head(2), version(2), 3)


def test_a_paid_offering_starts_pending_with_a_deadline() -> None:
    eid = uuid4()
    t = purchase.start(
        enrollment_id=eid,
        buyer=BUYER,
        version=version(2),
        now=T0,
        payment_window=timedelta(minutes=30),
    )
    e = t.after
    assert t.before is None
    assert e.id == eid
    assert e.status is EnrollmentStatus.PENDING_PAYMENT
    assert e.payment_deadline == T0 + timedelta(minutes=30)
    assert e.price == Price(4900, "EUR")
    assert (e.offering_id, e.offering_version, e.provider_id) == (OFFERING, 2, PROVIDER)
    assert (e.learner_id, e.learner_email, e.learner_name) == (BUYER.learner_id, BUYER.email, "Ada")
    assert t.facts == (Requested(),)


def test_a_free_offering_is_active_at_once() -> None:
    t = purchase.start(
        enrollment_id=uuid4(),
        buyer=BUYER,
        version=version(2, amount=0),
        now=T0,
        payment_window=timedelta(minutes=30),
    )
    assert t.after.status is EnrollmentStatus.ACTIVE
    assert t.after.activated_at == T0
    assert t.after.activated_via == "free"
    assert t.after.payment_deadline is None
    assert t.facts == (Activated(via="free", at=T0),)
