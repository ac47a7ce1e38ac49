"""What a provider writes about an offering: every field optional while it is a draft."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class AchievementContent:
    """What the credential will state (the Open Badges ``Achievement``)."""

    name: str | None = None
    description: str | None = None
    criteria_narrative: str | None = None
    image_url: str | None = None
    valid_for_days: int | None = None


@dataclass(frozen=True)
class OfferingContent:
    title: str | None = None
    description: str | None = None
    skills: tuple[str, ...] = ()
    level: str | None = None
    duration_minutes: int | None = None
    language: str | None = None
    price_amount: int | None = None
    price_currency: str | None = None
    achievement: AchievementContent = field(default_factory=AchievementContent)


def apply_changes(
    content: OfferingContent,
    changes: dict[str, Any],
    achievement_changes: dict[str, Any] | None = None,
) -> OfferingContent:
    """A copy of ``content`` with the given fields replaced (a JSON merge patch, one level deep).

    Only the keys present are changed, so a caller can set a field to None on purpose.
    """
    updated = replace(content, **changes) if changes else content
    if achievement_changes:
        updated = replace(updated, achievement=replace(updated.achievement, **achievement_changes))
    return updated
