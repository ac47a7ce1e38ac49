"""The events an offering's lifecycle causes, built from its content."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from credmarket_events.achievement import AchievementSnapshot
from credmarket_events.catalog import (
    Level,
    OfferingPublishedV1,
    OfferingRetiredV1,
    OfferingUpdatedV1,
)
from credmarket_events.values import Money

from catalog.domain.offering_content import OfferingContent


def achievement_id(offering_id: UUID) -> str:
    """Stable across versions: a credential names the same achievement whichever version."""
    return f"urn:uuid:{offering_id}"


def details(
    offering_id: UUID, provider_id: UUID, version: int, content: OfferingContent
) -> dict[str, Any]:
    """The shared fields of published/updated; ``content`` must be publishable."""
    a = content.achievement
    assert content.price_amount is not None
    assert content.price_currency is not None
    assert a.name is not None
    assert a.description is not None
    assert a.criteria_narrative is not None
    assert content.level is not None
    return {
        "offering_id": offering_id,
        "provider_id": provider_id,
        "version": version,
        "title": content.title,
        "description": content.description,
        "price": Money(amount=content.price_amount, currency=content.price_currency),
        "skills": list(content.skills),
        "level": Level(content.level),
        "language": content.language,
        "duration_minutes": content.duration_minutes,
        "achievement": AchievementSnapshot(
            achievement_id=achievement_id(offering_id),
            name=a.name,
            description=a.description,
            criteria_narrative=a.criteria_narrative,
            image_url=a.image_url,
            valid_for_days=a.valid_for_days,
        ),
    }


def published_event(
    offering_id: UUID, provider_id: UUID, version: int, content: OfferingContent, at: datetime
) -> OfferingPublishedV1:
    return OfferingPublishedV1(
        **details(offering_id, provider_id, version, content), published_at=at
    )


def updated_event(
    offering_id: UUID, provider_id: UUID, version: int, content: OfferingContent, at: datetime
) -> OfferingUpdatedV1:
    return OfferingUpdatedV1(**details(offering_id, provider_id, version, content), updated_at=at)


def retired_event(
    offering_id: UUID, provider_id: UUID, version: int, at: datetime
) -> OfferingRetiredV1:
    return OfferingRetiredV1(
        offering_id=offering_id, provider_id=provider_id, version=version, retired_at=at
    )
