from dataclasses import replace
from typing import Any

import pytest
from catalog.domain.offering_content import AchievementContent, OfferingContent, apply_changes
from catalog.domain.offering_rules import (
    MAX_DESCRIPTION,
    MAX_PRICE_MINOR_UNITS,
    MAX_SKILLS,
    MAX_TITLE,
    check_draft,
    check_publishable,
    normalize_skills,
)
from catalog.domain.violations import Violation


def fields(violations: list[Violation]) -> set[str]:
    return {v.field for v in violations}


def codes(violations: list[Violation]) -> set[tuple[str, str]]:
    return {(v.field, v.code) for v in violations}


def test_complete_content_is_publishable(complete: OfferingContent) -> None:
    assert check_publishable(complete) == []


def test_a_draft_with_only_a_title_is_fine_but_not_publishable() -> None:
    draft = OfferingContent(title="Just an idea")
    assert check_draft(draft) == []
    missing = fields(check_publishable(draft))
    assert missing == {
        "description",
        "level",
        "duration_minutes",
        "language",
        "price.amount",
        "price.currency",
        "achievement.name",
        "achievement.description",
        "achievement.criteria_narrative",
    }


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"title": ""}, ("title", "blank")),
        ({"title": "   "}, ("title", "blank")),
        ({"title": "x" * (MAX_TITLE + 1)}, ("title", "too_long")),
        ({"title": "nul\x00byte"}, ("title", "unstorable")),
        ({"title": "lone \ud800 surrogate"}, ("title", "unstorable")),
        ({"description": "x" * (MAX_DESCRIPTION + 1)}, ("description", "too_long")),
        ({"level": "godlike"}, ("level", "unknown")),
        ({"duration_minutes": 0}, ("duration_minutes", "out_of_range")),
        ({"duration_minutes": 100_001}, ("duration_minutes", "out_of_range")),
        ({"language": "English"}, ("language", "not_a_language")),
        ({"language": "e"}, ("language", "not_a_language")),
        # `$` matches before a final newline; these passed and publishing answered 500.
        ({"language": "en\n"}, ("language", "not_a_language")),
        ({"skills": ("python\n",)}, ("skills.0", "bad_characters")),
        ({"price_amount": -1}, ("price.amount", "negative")),
        ({"price_amount": MAX_PRICE_MINOR_UNITS + 1}, ("price.amount", "too_large")),
        ({"price_currency": "XYZ"}, ("price.currency", "unknown")),
        ({"price_currency": "eur"}, ("price.currency", "unknown")),
        ({"price_currency": None}, ("price", "incomplete")),
        ({"skills": tuple(f"s{i}" for i in range(MAX_SKILLS + 1))}, ("skills", "too_many")),
        ({"skills": ("",)}, ("skills.0", "bad_length")),
        ({"skills": ("ok", "x" * 51)}, ("skills.1", "bad_length")),
        ({"skills": ("Bad!",)}, ("skills.0", "bad_characters")),
        ({"skills": ("a\x00",)}, ("skills.0", "unstorable")),
    ],
)
def test_each_invalid_field_is_named(
    change: dict[str, Any], expected: tuple[str, str], complete: OfferingContent
) -> None:
    content = replace(complete, **change)
    assert expected in codes(check_draft(content))
    assert expected in codes(check_publishable(content))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"name": ""}, ("achievement.name", "blank")),
        ({"name": "n" * 201}, ("achievement.name", "too_long")),
        ({"description": "d" * 5001}, ("achievement.description", "too_long")),
        ({"criteria_narrative": " "}, ("achievement.criteria_narrative", "blank")),
        ({"image_url": "ftp://x"}, ("achievement.image_url", "not_a_url")),
        ({"image_url": "https://" + "a" * 2048}, ("achievement.image_url", "not_a_url")),
        ({"valid_for_days": 0}, ("achievement.valid_for_days", "out_of_range")),
        ({"valid_for_days": 36_501}, ("achievement.valid_for_days", "out_of_range")),
    ],
)
def test_invalid_achievement_fields_are_named(
    change: dict[str, Any], expected: tuple[str, str], complete: OfferingContent
) -> None:
    content = complete
    content = replace(content, achievement=replace(content.achievement, **change))
    assert expected in codes(check_draft(content))


@pytest.mark.parametrize("missing", ["name", "description", "criteria_narrative"])
def test_publishing_needs_each_achievement_field(missing: str, complete: OfferingContent) -> None:
    content = complete
    content = replace(content, achievement=replace(content.achievement, **{missing: None}))
    assert check_draft(content) == []
    assert codes(check_publishable(content)) == {(f"achievement.{missing}", "missing")}


def test_optional_achievement_fields_may_be_absent(complete: OfferingContent) -> None:
    content = replace(
        complete,
        achievement=replace(complete.achievement, image_url=None, valid_for_days=None),
    )
    assert check_publishable(content) == []


def test_free_is_a_price_of_zero(complete: OfferingContent) -> None:
    assert check_publishable(replace(complete, price_amount=0)) == []


def test_zero_decimal_currency_is_accepted(complete: OfferingContent) -> None:
    assert check_publishable(replace(complete, price_currency="JPY")) == []


def test_skills_may_be_empty(complete: OfferingContent) -> None:
    assert check_publishable(replace(complete, skills=())) == []


def test_skills_are_normalized_and_deduplicated_in_order() -> None:
    assert normalize_skills(["Python", "  machine   LEARNING ", "python", "SQL"]) == (
        "python",
        "machine learning",
        "sql",
    )


def test_apply_changes_replaces_only_given_fields(complete: OfferingContent) -> None:
    base = complete
    changed = apply_changes(base, {"title": "New"}, {"valid_for_days": None})
    assert changed.title == "New"
    assert changed.description == base.description
    assert changed.achievement.valid_for_days is None
    assert changed.achievement.name == base.achievement.name


def test_apply_nothing_is_identity(complete: OfferingContent) -> None:
    base = complete
    assert apply_changes(base, {}, {}) == base
    assert apply_changes(OfferingContent(), {}, None).achievement == AchievementContent()


def test_even_a_draft_needs_a_title() -> None:
    assert codes(check_draft(OfferingContent(description="no title"))) == {("title", "missing")}
