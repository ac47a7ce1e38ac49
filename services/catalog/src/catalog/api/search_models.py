"""Response bodies of public search: today's page, plus what the search engine adds."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from catalog.api.offering_models import Offering


class SearchHit(Offering):
    highlights: dict[str, str] | None = Field(
        default=None,
        description="Search engine only: `title` and/or `description` as HTML-escaped text "
        "with the matched words in `<b>`; a description is cut to a fragment around them.",
    )


class FacetCount(BaseModel):
    value: str
    count: int


class SearchResults(BaseModel):
    """`items` and `next_cursor` as before; `total` and `facets` are added."""

    items: list[SearchHit]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")
    total: int | None = Field(
        default=None, description="How many offerings match (search engine only)."
    )
    facets: dict[str, list[FacetCount]] | None = Field(
        default=None,
        description="Counts per value of each facet asked for with `facets`, over every "
        "match of the search and its filters (search engine only).",
    )


class Completion(BaseModel):
    text: str = Field(description="The words typed, the last one completed.")
    count: int = Field(description="Published offerings whose title has these words.")


class SuggestedOffering(BaseModel):
    id: UUID
    title: str


class Suggestions(BaseModel):
    completions: list[Completion]
    offerings: list[SuggestedOffering]
