"""Search over PostgreSQL (search_backend "database"): the full-text match, the orders,
and how a first page of the newest matches is found (ADR 0010)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.db.repository import OFFERING_COLUMNS, DbRow
from catalog.db.tables import offerings
from catalog.domain.cursor import Cursor, RankBoundary
from catalog.domain.search_query import SearchQuery, SortOrder

TEXT_CONFIG = "english"


@dataclass(frozen=True)
class Found:
    """Up to one row past the page, each with ``sort_key`` and ``past_boundary``."""

    rows: list[DbRow]
    # Relevance only: what the next page's cursor must carry (ADR 0010).
    boundary: RankBoundary | None = None


def _tsquery(query: SearchQuery) -> sa.ColumnElement[Any]:
    return sa.func.websearch_to_tsquery(sa.literal_column(f"'{TEXT_CONFIG}'"), query.text)


def _matches(query: SearchQuery, o: Any = offerings) -> list[sa.ColumnElement[bool]]:
    """The search's conditions on ``o``: the table, or a subquery of its columns."""
    where: list[sa.ColumnElement[bool]] = [o.c.status == "published"]
    if query.has_text:
        where.append(o.c.search.op("@@")(_tsquery(query)))
    if query.normalized_skill is not None:
        where.append(o.c.skills.contains([query.normalized_skill]))
    if query.provider_id is not None:
        where.append(o.c.provider_id == query.provider_id)
    if query.language is not None:
        # "en" also finds en-GB and en-US; the tag is validated, so it holds no wildcards.
        where.append(
            sa.or_(o.c.language == query.language, o.c.language.like(f"{query.language}-%"))
        )
    if query.level is not None:
        where.append(o.c.level == query.level)
    if query.currency is not None:
        where.append(o.c.price_currency == query.currency)
    if query.free is True:
        where.append(o.c.price_amount == 0)
    elif query.free is False:
        where.append(o.c.price_amount > 0)
    if query.price_min is not None:
        where.append(o.c.price_amount >= query.price_min)
    if query.price_max is not None:
        where.append(o.c.price_amount <= query.price_max)
    if query.duration_min is not None:
        where.append(o.c.duration_minutes >= query.duration_min)
    if query.duration_max is not None:
        where.append(o.c.duration_minutes <= query.duration_max)
    return where


def search_statement(query: SearchQuery, after: Cursor | None) -> sa.Select[*tuple[Any, ...]]:
    """Published offerings matching ``query`` in a column order, one row past the page.

    Every sort is (key, id) in one direction, so the page boundary is one row-value
    comparison that the (key, id) indexes can seek to.
    """
    o = offerings
    where = _matches(query)
    sort = query.effective_sort
    key = o.c.published_at if sort is SortOrder.NEWEST else o.c.price_amount
    ascending = sort is SortOrder.PRICE_ASC
    if after is not None:
        boundary = sa.tuple_(key, o.c.id)
        bound = sa.tuple_(sa.literal(after.key), sa.literal(after.last_id))
        where.append(boundary > bound if ascending else boundary < bound)
    order = [key.asc(), o.c.id.asc()] if ascending else [key.desc(), o.c.id.desc()]
    return (
        sa.select(*OFFERING_COLUMNS, key.label("sort_key"), sa.false().label("past_boundary"))
        .where(*where)
        .order_by(*order)
        .limit(query.limit + 1)
    )


# How a first page finds the newest matches (ADR 0010): among the newest published
# rows only, as PostgreSQL plans it, or by collecting every match first.
FirstPage = Literal["recent", "planned", "collected"]
# The recent probe looks at this many published rows per ranked candidate.
RECENT_ROWS_PER_CANDIDATE = 2
# Below this share of matches among the recent rows, every match is collected.
SPARSE_SHARE = 0.05


def ranked_statement(
    query: SearchQuery, after: Cursor | None, candidates: int, first: FirstPage = "planned"
) -> sa.Select[*tuple[Any, ...]]:
    """The newest ``candidates`` matches (first page) or those not older than the
    cursor's boundary (later pages), by ``ts_rank`` then id, one row past the page.

    Ranking every match costs ~1 µs a row, tens of milliseconds for a common word,
    so only the newest matches are ranked (ADR 0010). On the first page, ``oldest_*``
    and ``candidates`` tell the caller where the ranked candidates end.
    """
    o = offerings
    newest_first = (o.c.published_at.desc(), o.c.id.desc())
    source: Any = o
    if after is None and first != "planned":
        probe = sa.select(*OFFERING_COLUMNS, o.c.search).where(o.c.status == "published")
        if first == "recent":
            # A bounded walk of the published_at index: the LIMIT keeps the search's
            # conditions outside, so PostgreSQL cannot choose another plan.
            probe = probe.order_by(*newest_first).limit(RECENT_ROWS_PER_CANDIDATE * candidates)
            source = probe.subquery("recent")
        else:
            # Materialised, so the newest are taken after every match is found (GIN),
            # not by walking the published_at index in the hope of meeting them.
            source = probe.where(*_matches(query)).cte("matches").prefix_with("MATERIALIZED")
    c = source.c
    rank = sa.func.ts_rank(c.search, _tsquery(query)).label("sort_key")
    inner = sa.select(*[c[col.name] for col in OFFERING_COLUMNS], rank)
    if first != "collected" or after is not None:
        inner = inner.where(*_matches(query, source))
    if after is None:
        inner = inner.order_by(c.published_at.desc(), c.id.desc()).limit(candidates)
    elif after.boundary is not None:
        newest = sa.tuple_(o.c.published_at, o.c.id)
        inner = inner.where(newest >= sa.tuple_(*map(sa.literal, after.boundary)))
    c = inner.subquery("candidates")
    columns: list[Any] = [c.c[col.name] for col in OFFERING_COLUMNS]
    columns += [c.c.sort_key, sa.false().label("past_boundary")]
    if after is None:
        oldest_first = (c.c.published_at, c.c.id)
        columns += [
            sa.func.first_value(c.c.published_at).over(order_by=oldest_first).label("oldest_at"),
            sa.func.first_value(c.c.id).over(order_by=oldest_first).label("oldest_id"),
            sa.func.count().over().label("candidates"),
        ]
    stmt = sa.select(*columns).order_by(c.c.sort_key.desc(), c.c.id.desc())
    if after is not None:
        last = sa.tuple_(sa.literal(after.key), sa.literal(after.last_id))
        stmt = stmt.where(sa.tuple_(c.c.sort_key, c.c.id) < last)
    return stmt.limit(query.limit + 1)


def past_boundary_statement(
    query: SearchQuery, boundary: RankBoundary, after: Cursor | None, rows: int
) -> sa.Select[*tuple[Any, ...]]:
    """Matches older than the ranked candidates, newest first."""
    o = offerings
    newest = sa.tuple_(o.c.published_at, o.c.id)
    start = (after.key, after.last_id) if after is not None and after.past_boundary else boundary
    return (
        sa.select(
            *OFFERING_COLUMNS, o.c.published_at.label("sort_key"), sa.true().label("past_boundary")
        )
        .where(*_matches(query), newest < sa.tuple_(*map(sa.literal, start)))
        .order_by(o.c.published_at.desc(), o.c.id.desc())
        .limit(rows)
    )


async def _first_ranked_page(
    session: AsyncSession, query: SearchQuery, candidates: int
) -> list[DbRow]:
    """The recent rows first: a common word has its newest matches among them. If
    not, their share of matches tells how far a walk of the published_at index would
    go: PostgreSQL estimates a phrase like an AND of its words and walked the whole
    index for a rare phrase of common words (~80 ms against ~30 ms collecting)."""
    stmt = ranked_statement(query, None, candidates, "recent")
    rows = list((await session.execute(stmt)).all())
    found = rows[0].candidates if rows else 0
    if found >= candidates:
        return rows
    sparse = found < SPARSE_SHARE * RECENT_ROWS_PER_CANDIDATE * candidates
    stmt = ranked_statement(query, None, candidates, "collected" if sparse else "planned")
    return list((await session.execute(stmt)).all())


async def search(
    session: AsyncSession, query: SearchQuery, after: Cursor | None, ranked_candidates: int
) -> Found:
    if query.effective_sort is not SortOrder.RELEVANCE:
        return Found(list((await session.execute(search_statement(query, after))).all()))
    rows: list[DbRow] = []
    boundary = after.boundary if after is not None else None
    if after is None:
        rows = await _first_ranked_page(session, query, ranked_candidates)
        if rows and rows[0].candidates >= ranked_candidates:
            boundary = (rows[0].oldest_at, rows[0].oldest_id)
    elif not after.past_boundary:
        rows = list(
            (await session.execute(ranked_statement(query, after, ranked_candidates))).all()
        )
    wanted = query.limit + 1 - len(rows)
    if boundary is not None and wanted > 0:
        stmt = past_boundary_statement(query, boundary, after, wanted)
        rows += (await session.execute(stmt)).all()
    return Found(rows, boundary)
