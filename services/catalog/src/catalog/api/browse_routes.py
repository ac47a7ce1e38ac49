"""Public browsing and search of published offerings: no token needed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from credmarket_events.catalog import Level
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.problems import problem_responses
from fastapi import APIRouter, Depends, Path, Query, Response

from catalog.api.dependencies import get_runtime
from catalog.api.offering_models import Offering, OfferingVersion
from catalog.api.offering_views import offering_view
from catalog.api.refusals import invalid, not_found
from catalog.api.search_engine_routes import (
    MAX_SUGGESTIONS,
    engine_search,
    engine_suggest,
    parse_facets,
)
from catalog.api.search_models import SearchHit, SearchResults, Suggestions
from catalog.db import repository as repo
from catalog.db import search_queries
from catalog.domain.cursor import Cursor, CursorInvalid, decode_cursor, encode_cursor
from catalog.domain.offering_rules import MAX_DURATION_MINUTES
from catalog.domain.search_query import SearchQuery, SortOrder, check_search
from catalog.domain.violations import Violation
from catalog.runtime import CatalogRuntime

router = APIRouter(prefix="/v1/offerings", tags=["browse"])

_MAX_PRICE = 100_000_000_00


@router.get(
    "",
    summary="Search published offerings",
    description="Full-text search over title, skills, provider and description: every word "
    "must match, stemmed in the offering's language and, for a word no offering has, with "
    'a typo or two; `"exact phrase"`, `or`, `-exclude`, `prefix*`. A query that means '
    "nothing (an unclosed quote, a lone `*`) is a 422. Filters, facets with counts "
    "(`facets=skills,level,...`), sorting, highlighted snippets and cursor pagination; "
    "relevance (BM25, title > skills > provider > description) pages through the best "
    "10,000 matches, the other sorts through all. 503 while this replica's index is "
    "being built (ADR 0022).",
    responses=problem_responses(pt.INVALID_REQUEST, pt.TEMPORARILY_UNAVAILABLE),
    response_model=SearchResults,
)
async def search_offerings(
    response: Response,
    q: str | None = Query(default=None, max_length=200, description="Search words."),
    skill: str | None = Query(default=None, max_length=50),
    provider_id: UUID | None = None,
    language: str | None = Query(default=None, max_length=35, description="e.g. en or en-GB"),
    level: Level | None = None,
    free: bool | None = Query(default=None, description="true: only free; false: only paid"),
    price_min: int | None = Query(default=None, ge=0, le=_MAX_PRICE),
    price_max: int | None = Query(default=None, ge=0, le=_MAX_PRICE),
    currency: str | None = Query(default=None, pattern=r"^[A-Z]{3}$"),
    sort: SortOrder | None = Query(
        default=None, description="Default: relevance with `q`, else newest."
    ),
    limit: int = Query(default=20, ge=1, le=100),
    cursor: str | None = Query(default=None, max_length=1000),
    duration_min: int | None = Query(
        default=None, ge=1, le=MAX_DURATION_MINUTES, description="Minutes, at least."
    ),
    duration_max: int | None = Query(
        default=None, ge=1, le=MAX_DURATION_MINUTES, description="Minutes, at most."
    ),
    facets: str | None = Query(
        default=None,
        max_length=100,
        description="Comma-separated facets to count: skills, level, language, provider, "
        "currency, price, duration.",
    ),
    rt: CatalogRuntime = Depends(get_runtime),
) -> Any:
    query = SearchQuery(
        text=q,
        skill=skill,
        provider_id=provider_id,
        language=language,
        level=level.value if level else None,
        free=free,
        price_min=price_min,
        price_max=price_max,
        currency=currency,
        sort=sort,
        limit=limit,
        duration_min=duration_min,
        duration_max=duration_max,
    )
    violations = check_search(query)
    if violations:
        raise invalid(violations, kind=pt.INVALID_REQUEST)
    if rt.settings.search_backend == "engine":
        return await engine_search(rt, query, cursor, parse_facets(facets))
    fingerprint = query.fingerprint()
    after = None
    if cursor is not None:
        try:
            after = decode_cursor(cursor, query.effective_sort, fingerprint)
        except CursorInvalid as exc:
            raise invalid(
                [Violation("cursor", "invalid", str(exc))], kind=pt.INVALID_REQUEST
            ) from None
    async with rt.db.unit_of_work() as uow:
        found = await search_queries.search(
            uow.session, query, after, rt.settings.ranked_candidates
        )
    page, more = found.rows[:limit], len(found.rows) > limit
    next_cursor = None
    if more:
        last = page[-1]
        next_cursor = encode_cursor(
            Cursor(
                query.effective_sort, last.sort_key, last.id, found.boundary, last.past_boundary
            ),
            fingerprint,
        )
    # The same for every caller (no token, nothing personal), so browsers and the
    # gateway may keep it briefly: a (un)published offering shows within the TTL.
    response.headers["Cache-Control"] = f"public, max-age={rt.settings.search_cache_ttl_s}"
    return SearchResults(
        items=[SearchHit(**offering_view(r).model_dump()) for r in page], next_cursor=next_cursor
    )


@router.get(
    "/autocomplete",
    summary="Complete what a learner is typing",
    description="The last word of `q` completed from published offerings' titles (most "
    "offerings first, among titles that also have the earlier words), and the best "
    "offerings so far. A last word under two letters completes nothing. Search engine only.",
    responses=problem_responses(pt.INVALID_REQUEST, pt.TEMPORARILY_UNAVAILABLE),
    response_model=Suggestions,
)
async def autocomplete(
    q: str = Query(min_length=1, max_length=100),
    limit: int = Query(default=8, ge=1, le=MAX_SUGGESTIONS),
    rt: CatalogRuntime = Depends(get_runtime),
) -> Any:
    return await engine_suggest(rt, q, limit)


@router.get(
    "/{offering_id}",
    summary="One published offering",
    responses=problem_responses(pt.NOT_FOUND),
)
async def get_offering(offering_id: UUID, rt: CatalogRuntime = Depends(get_runtime)) -> Offering:
    async with rt.db.unit_of_work() as uow:
        row = await repo.get_offering(uow.session, offering_id)
    # Drafts and retired offerings are not for sale, so not for browsing either.
    if row is None or row.status != "published":
        raise not_found("offering")
    return offering_view(row)


@router.get(
    "/{offering_id}/versions/{version}",
    summary="One published version, exactly as its buyers bought it",
    responses=problem_responses(pt.NOT_FOUND),
)
async def get_offering_version(
    offering_id: UUID,
    version: int = Path(ge=1, le=2_147_483_647),
    rt: CatalogRuntime = Depends(get_runtime),
) -> OfferingVersion:
    async with rt.db.unit_of_work() as uow:
        row = await repo.get_version(uow.session, offering_id, version)
    if row is None:
        raise not_found("offering version")
    return OfferingVersion(
        offering_id=row.offering_id,
        version=row.version,
        published_at=row.published_at,
        snapshot=dict(row.snapshot),
    )
