"""Buying an offering: which version is sold at which price, and the new enrollment.

A learner names the version they saw. Only the current version of a published
offering is sold: if the provider changed it since (price, content or the
achievement the credential states), the learner must see and accept the new
version first, so the purchase is refused with the current version to show.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

from enrollment.domain.enrollment import Enrollment
from enrollment.domain.errors import DomainRefusal
from enrollment.domain.facts import Activated, Requested, Transition
from enrollment.domain.offerings import OfferingHead, OfferingStatus
from enrollment.domain.status import EnrollmentStatus
from enrollment.domain.values import Price


@dataclass(frozen=True, slots=True)
class OfferingVersion:
    """One version of an offering as the read model keeps it."""

    offering_id: UUID
    provider_id: UUID
    version: int
    title: str
    price: Price


class OfferingUnknown(DomainRefusal):
    def __str__(self) -> str:
        return "no published offering has this id"


class OfferingRetired(DomainRefusal):
    def __str__(self) -> str:
        return "this offering is retired and takes no new enrollments"


@dataclass
class VersionOutdated(DomainRefusal):
    current: OfferingVersion

    def __str__(self) -> str:
        return (
            f"the offering changed since you saw it: version {self.current.version} is "
            "current; review it and buy that version"
        )


@dataclass
class VersionNotYetKnown(DomainRefusal):
    requested: int
    current: int

    def __str__(self) -> str:
        return (
            f"version {self.requested} of this offering is not known here yet "
            f"(latest known: {self.current}); retry in a few seconds"
        )


def choose_version(
    head: OfferingHead | None, current: OfferingVersion | None, requested_version: int
) -> OfferingVersion:
    """The version to sell, or a refusal saying why none is."""
    if head is None or current is None:
        raise OfferingUnknown()
    if head.status is OfferingStatus.RETIRED:
        raise OfferingRetired()
    if requested_version < head.current_version:
        raise VersionOutdated(current)
    if requested_version > head.current_version:
        # Catalog told the learner about a version whose event has not reached us yet.
        raise VersionNotYetKnown(requested_version, head.current_version)
    return current


@dataclass(frozen=True, slots=True)
class Buyer:
    learner_id: UUID
    email: str
    name: str | None


def start(
    *,
    enrollment_id: UUID,
    buyer: Buyer,
    version: OfferingVersion,
    now: datetime,
    payment_window: timedelta,
) -> Transition:
    """A new enrollment: active at once when free, else waiting for payment."""
    base = Enrollment(
        id=enrollment_id,
        learner_id=buyer.learner_id,
        learner_email=buyer.email,
        learner_name=buyer.name,
        offering_id=version.offering_id,
        offering_version=version.version,
        provider_id=version.provider_id,
        price=version.price,
        status=EnrollmentStatus.PENDING_PAYMENT,
        created_at=now,
    )
    if version.price.is_free:
        active = replace(
            base, status=EnrollmentStatus.ACTIVE, activated_at=now, activated_via="free"
        )
        return Transition(None, active, (Activated(via="free", at=now),))
    pending = replace(base, payment_deadline=now + payment_window)
    return Transition(None, pending, (Requested(),))
