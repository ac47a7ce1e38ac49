"""Public search answered by this replica's search engine index (ADR 0022)."""

from __future__ import annotations

import json
from typing import Any

from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.problems import ProblemError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from catalog.api.refusals import invalid
from catalog.domain.search_cursor import (
    SearchCursorInvalid,
    decode_search_cursor,
    encode_search_cursor,
)
from catalog.domain.search_query import SearchQuery
from catalog.domain.search_syntax import QuerySyntaxError, parse_search_text, split_words
from catalog.domain.violations import Violation
from catalog.runtime import CatalogRuntime
from catalog.search.index import FACETS, SearchIndex
from catalog.search.read_model import SearchNotReady

MAX_SUGGESTIONS = 10


def _index(rt: CatalogRuntime) -> SearchIndex:
    if rt.search is None:
        raise ProblemError(503, detail="search is not served here")
    try:
        return rt.search.ready_index()
    except SearchNotReady:
        raise ProblemError(
            503,
            detail="the search index is still being built",
            headers={"Retry-After": "1"},
        ) from None


def parse_facets(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return ()
    names = [n.strip() for n in raw.split(",") if n.strip()]
    unknown = sorted({n for n in names if n not in FACETS})
    if unknown:
        raise invalid(
            [
                Violation(
                    "facets",
                    "unknown",
                    f"unknown facet(s) {', '.join(unknown)[:100]}; known: {', '.join(FACETS)}",
                )
            ],
            kind=pt.INVALID_REQUEST,
        )
    return tuple(dict.fromkeys(names))


def _cache(rt: CatalogRuntime) -> dict[str, str]:
    return {"Cache-Control": f"public, max-age={rt.settings.search_cache_ttl_s}"}


async def engine_search(
    rt: CatalogRuntime, query: SearchQuery, cursor: str | None, facets: tuple[str, ...]
) -> Response:
    index = _index(rt)
    parsed = None
    if query.has_text:
        assert query.text is not None
        try:
            parsed = parse_search_text(query.text)
        except QuerySyntaxError as exc:
            raise invalid([Violation("q", "syntax", str(exc))], kind=pt.INVALID_REQUEST) from None
    fingerprint = query.fingerprint()
    after = None
    if cursor is not None:
        try:
            after = decode_search_cursor(cursor, query.effective_sort, fingerprint)
        except SearchCursorInvalid as exc:
            raise invalid(
                [Violation("cursor", "invalid", str(exc))], kind=pt.INVALID_REQUEST
            ) from None
    page = await run_in_threadpool(index.search, query, parsed, after, facets)
    # The stored answers are JSON already: splice them, rather than parse and re-encode.
    items = [
        h.view[:-1] + b',"highlights":' + json.dumps(h.highlights).encode() + b"}"
        for h in page.hits
    ]
    next_cursor = encode_search_cursor(page.next_cursor, fingerprint) if page.next_cursor else None
    tail: dict[str, Any] = {"next_cursor": next_cursor, "total": page.total}
    if facets:
        tail["facets"] = page.facets
    body = b'{"items":[' + b",".join(items) + b"]," + json.dumps(tail)[1:].encode()
    return Response(body, media_type="application/json", headers=_cache(rt))


async def engine_suggest(rt: CatalogRuntime, q: str, limit: int) -> Response:
    index = _index(rt)
    words = split_words(q)
    if not words:
        raise invalid(
            [Violation("q", "no_words", "needs at least one letter or digit")],
            kind=pt.INVALID_REQUEST,
        )
    words = words[-8:]
    prefix_words, last = words[:-1], words[-1]
    completions: list[dict[str, Any]] = []
    offerings: list[dict[str, Any]] = []
    if len(last) >= 2:
        terms, views = await run_in_threadpool(index.suggest, prefix_words, last, limit)
        lead = " ".join(prefix_words)
        completions = [{"text": f"{lead} {term}".strip(), "count": count} for term, count in terms]
        for view in views:
            o = json.loads(view)
            offerings.append({"id": o["id"], "title": o["title"]})
    body = json.dumps({"completions": completions, "offerings": offerings})
    return Response(body, media_type="application/json", headers=_cache(rt))
