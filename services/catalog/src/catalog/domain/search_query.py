"""What a learner can ask the catalog for, and which questions make sense."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from credmarket_events.currencies import ISO_4217

from catalog.domain.offering_rules import (
    LANGUAGE,
    LEVELS,
    MAX_DURATION_MINUTES,
    MAX_PRICE_MINOR_UNITS,
    normalize_skill,
)
from catalog.domain.text_rules import is_storable
from catalog.domain.violations import Violation

MAX_QUERY_LENGTH = 200
MAX_PAGE_SIZE = 100


class SortOrder(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"


@dataclass(frozen=True)
class SearchQuery:
    text: str | None = None
    skill: str | None = None
    provider_id: UUID | None = None
    language: str | None = None
    level: str | None = None
    free: bool | None = None
    price_min: int | None = None
    price_max: int | None = None
    currency: str | None = None
    sort: SortOrder | None = None
    limit: int = 20
    # Answered by the search engine only (ADR 0022).
    duration_min: int | None = None
    duration_max: int | None = None

    @property
    def effective_sort(self) -> SortOrder:
        """Relevance needs search words; without them the default is newest first."""
        if self.sort is None or (self.sort is SortOrder.RELEVANCE and not self.has_text):
            return SortOrder.RELEVANCE if self.has_text else SortOrder.NEWEST
        return self.sort

    @property
    def has_text(self) -> bool:
        return bool(self.text and self.text.strip())

    @property
    def normalized_skill(self) -> str | None:
        return normalize_skill(self.skill) if self.skill is not None else None

    def fingerprint(self) -> str:
        """Identifies the question (not the page), so a cursor is not reused for another."""
        parts: tuple[str, ...] = (
            self.text or "",
            self.normalized_skill or "",
            str(self.provider_id or ""),
            self.language or "",
            self.level or "",
            "" if self.free is None else str(self.free),
            str(self.price_min),
            str(self.price_max),
            self.currency or "",
            self.effective_sort.value,
        )
        if self.duration_min is not None or self.duration_max is not None:
            parts += (f"d{self.duration_min}", f"d{self.duration_max}")
        return "\x1f".join(parts)


def check_search(query: SearchQuery) -> list[Violation]:
    out: list[Violation] = []
    for name in ("text", "skill", "language"):
        value = getattr(query, name)
        if value is not None and (not is_storable(value) or len(value) > MAX_QUERY_LENGTH):
            out.append(
                Violation(
                    "q" if name == "text" else name,
                    "bad_text",
                    f"must be at most {MAX_QUERY_LENGTH} characters, without NUL",
                )
            )
    if query.language is not None and not LANGUAGE.match(query.language):
        out.append(Violation("language", "not_a_language", "must be a BCP 47 tag such as en"))
    if query.level is not None and query.level not in LEVELS:
        out.append(Violation("level", "unknown", f"must be one of {', '.join(sorted(LEVELS))}"))
    if query.currency is not None and query.currency not in ISO_4217:
        out.append(Violation("currency", "unknown", "must be an ISO 4217 currency code"))
    for name in ("price_min", "price_max"):
        value = getattr(query, name)
        if value is not None and not (0 <= value <= MAX_PRICE_MINOR_UNITS):
            out.append(Violation(name, "out_of_range", f"must be 0..{MAX_PRICE_MINOR_UNITS}"))
    has_range = query.price_min is not None or query.price_max is not None
    if has_range and query.currency is None:
        # Prices in different currencies are not comparable.
        out.append(Violation("currency", "required", "a price range needs a currency"))
    if (
        query.price_min is not None
        and query.price_max is not None
        and query.price_min > query.price_max
    ):
        out.append(Violation("price_min", "above_max", "must not exceed price_max"))
    if query.free is True and query.price_min is not None and query.price_min > 0:
        out.append(Violation("free", "contradiction", "free offerings cost 0"))
    for name in ("duration_min", "duration_max"):
        value = getattr(query, name)
        if value is not None and not (1 <= value <= MAX_DURATION_MINUTES):
            out.append(Violation(name, "out_of_range", f"must be 1..{MAX_DURATION_MINUTES}"))
    if (
        query.duration_min is not None
        and query.duration_max is not None
        and query.duration_min > query.duration_max
    ):
        out.append(Violation("duration_min", "above_max", "must not exceed duration_max"))
    if not (1 <= query.limit <= MAX_PAGE_SIZE):
        out.append(Violation("limit", "out_of_range", f"must be 1..{MAX_PAGE_SIZE}"))
    return out
