"""Public browsing and search of published offerings: no token needed."""

from __future__ import annotations

from uuid import UUID

from credmarket_events.catalog import Level
from credmarket_platform.http.problems import problem_responses
from fastapi import APIRouter, Depends, Path, Query, Response

from catalog.api.offering_models import Offering, OfferingPage, OfferingVersion
from catalog.api.offering_views import offering_view
from catalog.api.refusals import invalid, not_found
from catalog.db import repository as repo
from catalog.domain.cursor import Cursor, CursorInvalid, decode_cursor, encode_cursor
from catalog.domain.search_query import SearchQuery, SortOrder, check_search
from catalog.domain.violations import Violation
from catalog.runtime import CatalogRuntime, runtime

router = APIRouter(prefix="/v1/offerings", tags=["browse"])

_MAX_PRICE = 100_000_000_00


@router.get(
    "",
    summary="Search published offerings",
    description="Full-text search over title, skills and description (web-search syntax: "
    '`"exact phrase"`, `or`, `-exclude`), filters, sorting and cursor pagination. '
    "Relevance ranks the newest matches (1,000 by default); older ones follow, newest first.",
    responses=problem_responses(422),
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
    rt: CatalogRuntime = Depends(runtime),
) -> OfferingPage:
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
    )
    violations = check_search(query)
    if violations:
        raise invalid(violations, "Invalid search")
    fingerprint = query.fingerprint()
    after = None
    if cursor is not None:
        try:
            after = decode_cursor(cursor, query.effective_sort, fingerprint)
        except CursorInvalid as exc:
            raise invalid([Violation("cursor", "invalid", str(exc))], "Invalid cursor") from None
    async with rt.db.unit_of_work() as uow:
        found = await repo.search(uow.session, query, after, rt.settings.ranked_candidates)
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
    return OfferingPage(items=[offering_view(r) for r in page], next_cursor=next_cursor)


@router.get(
    "/{offering_id}",
    summary="One published offering",
    responses=problem_responses(404, 422),
)
async def get_offering(offering_id: UUID, rt: CatalogRuntime = Depends(runtime)) -> Offering:
    async with rt.db.unit_of_work() as uow:
        row = await repo.get_offering(uow.session, offering_id)
    # Drafts and retired offerings are not for sale, so not for browsing either.
    if row is None or row.status != "published":
        raise not_found("offering")
    return offering_view(row)


@router.get(
    "/{offering_id}/versions/{version}",
    summary="One published version, exactly as its buyers bought it",
    responses=problem_responses(404, 422),
)
async def get_offering_version(
    offering_id: UUID,
    version: int = Path(ge=1, le=2_147_483_647),
    rt: CatalogRuntime = Depends(runtime),
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
