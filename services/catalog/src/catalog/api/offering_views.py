"""Offering rows as response bodies."""

from __future__ import annotations

from typing import Any

from catalog.api.offering_models import Achievement, Money, Offering
from catalog.domain.offering_events import achievement_id


def offering_view(row: Any) -> Offering:
    a = row.achievement
    price = (
        Money(amount=row.price_amount, currency=row.price_currency)
        if row.price_amount is not None and row.price_currency is not None
        else None
    )
    return Offering(
        id=row.id,
        provider_id=row.provider_id,
        status=row.status,
        version=row.version,
        title=row.title,
        description=row.description,
        skills=list(row.skills),
        level=row.level,
        duration_minutes=row.duration_minutes,
        language=row.language,
        price=price,
        achievement=Achievement(
            achievement_id=achievement_id(row.id) if row.version > 0 else None,
            name=a.get("name"),
            description=a.get("description"),
            criteria_narrative=a.get("criteria_narrative"),
            image_url=a.get("image_url"),
            valid_for_days=a.get("valid_for_days"),
        ),
        created_at=row.created_at,
        updated_at=row.updated_at,
        published_at=row.published_at,
        retired_at=row.retired_at,
    )
