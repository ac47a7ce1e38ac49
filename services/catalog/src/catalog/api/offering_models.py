"""Request and response bodies of the offering endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from credmarket_events.catalog import Level
from pydantic import BaseModel, ConfigDict, Field

from catalog.domain.offering_content import AchievementContent, OfferingContent
from catalog.domain.offering_rules import normalize_skills


class Money(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: int = Field(
        ge=0,
        le=100_000_000_00,
        strict=True,
        description=(
            "Integer minor units; 0 = free. To publish, a price must be one Stripe can "
            "charge: at least Stripe's minimum charge in its currency (50 for EUR or USD, "
            "30 for GBP, 50 for JPY), at most 8 digits."
        ),
    )
    currency: str = Field(
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 code, e.g. EUR; to publish, one with a fixed Stripe minimum charge.",
    )


class AchievementFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    criteria_narrative: str | None = Field(default=None, max_length=5000)
    image_url: str | None = Field(default=None, max_length=2048)
    valid_for_days: int | None = Field(default=None, ge=1, le=36_500)


class OfferingFields(BaseModel):
    """Shared by create and update; every field may be left out of a draft."""

    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(default=None, max_length=20_000)
    skills: list[str] | None = Field(default=None, max_length=50)
    level: Level | None = None
    duration_minutes: int | None = Field(default=None, ge=1, le=100_000)
    language: str | None = Field(default=None, max_length=35, examples=["en-GB"])
    price: Money | None = None
    achievement: AchievementFields | None = None


class NewOffering(OfferingFields):
    title: str = Field(min_length=1, max_length=200)

    def to_content(self) -> OfferingContent:
        a = self.achievement or AchievementFields()
        return OfferingContent(
            title=self.title,
            description=self.description,
            skills=normalize_skills(self.skills or []),
            level=self.level.value if self.level else None,
            duration_minutes=self.duration_minutes,
            language=self.language,
            price_amount=self.price.amount if self.price else None,
            price_currency=self.price.currency if self.price else None,
            achievement=AchievementContent(**a.model_dump()),
        )


class OfferingPatch(OfferingFields):
    """A merge patch: only the fields given change; ``null`` clears an optional field."""

    title: str | None = Field(default=None, min_length=1, max_length=200)

    def changes(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(offering field changes, achievement field changes) in domain terms."""
        given = self.model_dump(exclude_unset=True, exclude={"achievement", "price"})
        if "skills" in given:
            given["skills"] = normalize_skills(given["skills"] or [])
        if "level" in given and given["level"] is not None:
            given["level"] = Level(given["level"]).value
        if "price" in self.model_fields_set:
            given["price_amount"] = self.price.amount if self.price else None
            given["price_currency"] = self.price.currency if self.price else None
        achievement = (
            self.achievement.model_dump(exclude_unset=True) if self.achievement is not None else {}
        )
        return given, achievement


class Achievement(BaseModel):
    achievement_id: str | None = Field(description="Set once the offering is published.")
    name: str | None
    description: str | None
    criteria_narrative: str | None
    image_url: str | None
    valid_for_days: int | None


class Offering(BaseModel):
    id: UUID
    provider_id: UUID
    status: str = Field(description="draft, published or retired")
    version: int = Field(description="The published version; 0 for a draft.")
    title: str
    description: str | None
    skills: list[str]
    level: str | None
    duration_minutes: int | None
    language: str | None
    price: Money | None
    achievement: Achievement
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    retired_at: datetime | None


class OfferingPage(BaseModel):
    items: list[Offering]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


class OfferingVersion(BaseModel):
    offering_id: UUID
    version: int
    published_at: datetime
    snapshot: dict[str, Any] = Field(description="The version exactly as its event carried it.")
