"""Shared fixtures of the catalog unit tests."""

from __future__ import annotations

import pytest
from catalog.domain.offering_content import AchievementContent, OfferingContent


@pytest.fixture
def complete() -> OfferingContent:
    """Valid and complete content, to vary one field at a time."""
    return OfferingContent(
        title="Data Wrangling with Python",
        description="Clean, join and reshape tabular data with pandas.",
        skills=("python", "pandas"),
        level="intermediate",
        duration_minutes=90,
        language="en-GB",
        price_amount=4900,
        price_currency="EUR",
        achievement=AchievementContent(
            name="Data Wrangler",
            description="Cleans, joins and reshapes tabular data.",
            criteria_narrative="Pass the final project with at least 70 percent.",
            image_url="https://cdn.example.org/badge.png",
            valid_for_days=730,
        ),
    )
