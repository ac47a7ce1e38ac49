"""What a credential for an offering attests: frozen into events by value."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from credmarket_events.values import HttpUrl


class AchievementSnapshot(BaseModel):
    """The Open Badges ``Achievement`` of one version of an offering.

    Carried by value (not by reference) so that issuance can build the
    credential a learner bought even after the provider edited the offering.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    achievement_id: str = Field(
        min_length=1,
        max_length=500,
        description="Stable id of the achievement: a URN/URL, or one derived from the offering id.",
    )
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=5000)
    criteria_narrative: str = Field(
        min_length=1, max_length=5000, description="What a learner must do to earn it."
    )
    image_url: HttpUrl | None = None
    valid_for_days: int | None = Field(
        default=None,
        ge=1,
        description="Credentials expire this many days after issuance; none = never.",
    )
