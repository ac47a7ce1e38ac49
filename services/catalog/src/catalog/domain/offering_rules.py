"""Which offering content may be saved as a draft, and which may be published."""

from __future__ import annotations

import re

from credmarket_events.catalog import Level
from credmarket_events.currencies import ISO_4217

from catalog.domain.chargeable_prices import check_chargeable
from catalog.domain.offering_content import OfferingContent
from catalog.domain.text_rules import check_text, check_url, is_storable
from catalog.domain.violations import Violation

MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
MAX_SKILLS = 50
MAX_SKILL_LENGTH = 50
MAX_ACHIEVEMENT_NAME = 200
MAX_ACHIEVEMENT_TEXT = 5_000
# Far above any course price, far below what a BIGINT or a Stripe amount can hold.
MAX_PRICE_MINOR_UNITS = 100_000_000_00
MAX_DURATION_MINUTES = 100_000
MAX_VALID_FOR_DAYS = 36_500
LEVELS = frozenset(level.value for level in Level)
# BCP 47-ish, the same shape as credmarket_events.values.LanguageTag.
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z")
SKILL = re.compile(r"^[a-z0-9][a-z0-9+#./ -]*\Z")

REQUIRED_FOR_PUBLISHING: tuple[tuple[str, str], ...] = (
    ("description", "description"),
    ("level", "level"),
    ("duration_minutes", "duration_minutes"),
    ("language", "language"),
    ("price_amount", "price.amount"),
    ("price_currency", "price.currency"),
)
ACHIEVEMENT_REQUIRED: tuple[str, ...] = ("name", "description", "criteria_narrative")


def normalize_skill(raw: str) -> str:
    """Skills are tags: compare them case- and space-insensitively."""
    return " ".join(raw.split()).lower()


def normalize_skills(raw: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Normalised, without duplicates, in the order first given."""
    seen: dict[str, None] = {}
    for skill in raw:
        seen.setdefault(normalize_skill(skill), None)
    return tuple(seen)


def check_draft(content: OfferingContent) -> list[Violation]:
    """Every field that is present is valid (a draft may still be incomplete)."""
    out: list[Violation] = []
    # Even a draft has a title: it is how the provider tells its drafts apart.
    if content.title is None:
        out.append(Violation("title", "missing", "a draft needs a title"))
    else:
        out += check_text("title", content.title, max_length=MAX_TITLE)
    if content.description is not None:
        out += check_text("description", content.description, max_length=MAX_DESCRIPTION)
    out += _check_skills(content.skills)
    if content.level is not None and content.level not in LEVELS:
        out.append(Violation("level", "unknown", f"must be one of {', '.join(sorted(LEVELS))}"))
    if content.duration_minutes is not None and not (
        1 <= content.duration_minutes <= MAX_DURATION_MINUTES
    ):
        out.append(
            Violation("duration_minutes", "out_of_range", f"must be 1..{MAX_DURATION_MINUTES}")
        )
    if content.language is not None and (
        not is_storable(content.language)
        or len(content.language) > 35
        or not LANGUAGE.match(content.language)
    ):
        out.append(Violation("language", "not_a_language", "must be a BCP 47 tag such as en-GB"))
    out += _check_price(content.price_amount, content.price_currency)
    out += _check_achievement(content)
    return out


def check_publishable(content: OfferingContent) -> list[Violation]:
    """Valid and complete: everything a buyer and a credential need is there."""
    out = check_draft(content)
    for attr, field in REQUIRED_FOR_PUBLISHING:
        if getattr(content, attr) is None:
            out.append(Violation(field, "missing", "is required to publish"))
    for attr in ACHIEVEMENT_REQUIRED:
        if getattr(content.achievement, attr) is None:
            out.append(Violation(f"achievement.{attr}", "missing", "is required to publish"))
    amount, currency = content.price_amount, content.price_currency
    price_valid = not any(v.field.startswith("price") for v in out)
    if price_valid and amount is not None and currency is not None:
        # Every purchase of a published offering asks Stripe for this price.
        out += check_chargeable(amount, currency)
    return out


def _check_skills(skills: tuple[str, ...]) -> list[Violation]:
    out: list[Violation] = []
    if len(skills) > MAX_SKILLS:
        out.append(Violation("skills", "too_many", f"at most {MAX_SKILLS} skills"))
    for i, skill in enumerate(skills):
        field = f"skills.{i}"
        if not is_storable(skill):
            out.append(Violation(field, "unstorable", "contains NUL or invalid Unicode"))
        elif not skill or len(skill) > MAX_SKILL_LENGTH:
            out.append(Violation(field, "bad_length", f"must be 1..{MAX_SKILL_LENGTH} characters"))
        elif not SKILL.match(skill):
            out.append(
                Violation(
                    field,
                    "bad_characters",
                    "lower-case letters, digits, spaces and + # . / - only",
                )
            )
    return out


def _check_price(amount: int | None, currency: str | None) -> list[Violation]:
    out: list[Violation] = []
    if amount is not None:
        if amount < 0:
            out.append(Violation("price.amount", "negative", "must not be negative (0 = free)"))
        elif amount > MAX_PRICE_MINOR_UNITS:
            out.append(
                Violation("price.amount", "too_large", f"must be at most {MAX_PRICE_MINOR_UNITS}")
            )
    if currency is not None and currency not in ISO_4217:
        out.append(Violation("price.currency", "unknown", "must be an ISO 4217 currency code"))
    if (amount is None) != (currency is None):
        out.append(Violation("price", "incomplete", "amount and currency go together"))
    return out


def _check_achievement(content: OfferingContent) -> list[Violation]:
    a = content.achievement
    out: list[Violation] = []
    if a.name is not None:
        out += check_text("achievement.name", a.name, max_length=MAX_ACHIEVEMENT_NAME)
    if a.description is not None:
        out += check_text("achievement.description", a.description, max_length=MAX_ACHIEVEMENT_TEXT)
    if a.criteria_narrative is not None:
        out += check_text(
            "achievement.criteria_narrative", a.criteria_narrative, max_length=MAX_ACHIEVEMENT_TEXT
        )
    if a.image_url is not None:
        out += check_url("achievement.image_url", a.image_url)
    if a.valid_for_days is not None and not (1 <= a.valid_for_days <= MAX_VALID_FOR_DAYS):
        out.append(
            Violation(
                "achievement.valid_for_days", "out_of_range", f"must be 1..{MAX_VALID_FOR_DAYS}"
            )
        )
    return out
