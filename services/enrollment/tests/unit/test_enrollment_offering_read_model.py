"""The offering read model: newer versions win, stale and duplicate ones change nothing."""

from __future__ import annotations

from uuid import uuid4

from enrollment.domain.offerings import (
    OfferingHead,
    OfferingStatus,
    apply_retirement,
    apply_version,
)
from enrollment_factories import at

OID, PID = uuid4(), uuid4()


def v(head: OfferingHead | None, version: int, minute: float = 0) -> OfferingHead:
    return apply_version(head, offering_id=OID, provider_id=PID, version=version, at=at(minute))


def test_first_version_creates_a_published_head() -> None:
    h = v(None, 1)
    assert (h.offering_id, h.provider_id, h.current_version, h.status) == (
        OID,
        PID,
        1,
        OfferingStatus.PUBLISHED,
    )


def test_a_newer_version_becomes_current() -> None:
    assert v(v(None, 1), 2, 5).current_version == 2


def test_stale_and_duplicate_versions_change_nothing() -> None:
    h = v(v(None, 1), 3, 5)
    assert v(h, 2, 9) == h
    assert v(h, 3, 9) == h


def test_retirement_stops_sales_and_is_final() -> None:
    h = apply_retirement(v(None, 2), offering_id=OID, provider_id=PID, version=2, at=at(10))
    assert h.status is OfferingStatus.RETIRED
    assert v(h, 3, 11).status is OfferingStatus.RETIRED
    again = apply_retirement(h, offering_id=OID, provider_id=PID, version=2, at=at(12))
    assert again == h


def test_retirement_seen_before_any_version_is_remembered() -> None:
    h = apply_retirement(None, offering_id=OID, provider_id=PID, version=4, at=at(1))
    assert h.status is OfferingStatus.RETIRED
    assert h.current_version == 4
    assert v(h, 4).status is OfferingStatus.RETIRED
