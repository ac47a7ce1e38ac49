from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

from catalog.domain.offering_content import OfferingContent
from catalog.domain.offering_events import published_event, retired_event, updated_event
from credmarket_events.envelope import Envelope, decode, encode

AT = datetime(2026, 1, 1, tzinfo=UTC)


def test_published_event_carries_the_whole_version(complete: OfferingContent) -> None:
    oid, pid = uuid4(), uuid4()
    event = published_event(oid, pid, 1, complete, AT)
    assert event.price.amount == 4900
    assert event.price.currency == "EUR"
    assert event.achievement.name == "Data Wrangler"
    assert event.achievement.achievement_id == f"urn:uuid:{oid}"
    assert event.skills == ["python", "pandas"]
    round_trip = decode(*(lambda m: (m.value, m.headers, m.key))(encode(Envelope(event, "/c"))))
    assert round_trip.data == event


def test_updated_event_keeps_the_achievement_id_across_versions(complete: OfferingContent) -> None:
    oid, pid = uuid4(), uuid4()
    v1 = published_event(oid, pid, 1, complete, AT)
    v2 = updated_event(oid, pid, 2, replace(complete, title="Renamed"), AT)
    assert v2.version == 2
    assert v2.title == "Renamed"
    assert v2.achievement.achievement_id == v1.achievement.achievement_id


def test_retired_event() -> None:
    oid, pid = uuid4(), uuid4()
    event = retired_event(oid, pid, 3, AT)
    assert (event.offering_id, event.provider_id, event.version) == (oid, pid, 3)
