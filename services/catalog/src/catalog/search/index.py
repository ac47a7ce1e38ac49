"""One replica's search index: writes from the read model, reads from the API.

The index is rebuilt on every start (ADR 0022), so it needs no durability: it lives in
memory by default, where a commit costs no fsync, or in a directory of its own
(memory-mapped files that the page cache holds, for a catalogue too big for memory). Writes come
from one task (the read model's follower) and are made visible by a commit and a
reader reload; every search takes the searcher of the last reload, a consistent
snapshot. Tantivy releases the GIL while it searches, indexes and commits.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import tantivy
from tantivy import FieldType, Occur, Order, Query

from catalog.domain.search_cursor import MAX_RELEVANCE_DEPTH, SearchCursor
from catalog.domain.search_query import SearchQuery, SortOrder
from catalog.domain.search_syntax import ParsedQuery
from catalog.search.query_builder import QueryBuilder, combine
from catalog.search.schema import (
    STEMMERS,
    Analyzers,
    IndexedOffering,
    build_schema,
    language_base,
    to_document,
)

# Extra hits fetched past a page, so that a cut through equal keys or scores can be seen
# (and seldom needs a second, wider search: equal BM25 scores come in groups).
SLACK = 40
# The largest group of equal sort keys read whole (keys embed a tie-break: ~never > 1).
MAX_TIE_GROUP = 1000
FACET_SIZE = 20
SNIPPET_CHARS = 160

FACETS = ("skills", "level", "language", "provider", "currency", "price", "duration")
_TERM_FACETS = {
    "skills": "skills",
    "level": "level",
    "language": "language",
    "provider": "provider_id",
    "currency": "currency",
}
# Minor units: only meaningful within one currency, so counted as the filters leave them.
PRICE_BUCKETS = ((0, 1, "free"), (1, 2500, "<25"), (2500, 5000, "25-50"), (5000, 10000, "50-100"))
PRICE_TOP = (10000, "100+")
DURATION_BUCKETS = ((0, 60, "<1h"), (60, 180, "1-3h"), (180, 600, "3-10h"))
DURATION_TOP = (600, "10h+")
_RANGE_KEYS = {
    "price": {k for _, _, k in PRICE_BUCKETS} | {PRICE_TOP[1]},
    "duration": {k for _, _, k in DURATION_BUCKETS} | {DURATION_TOP[1]},
}


@dataclass(frozen=True)
class Hit:
    view: bytes
    highlights: dict[str, str]


@dataclass(frozen=True)
class SearchPage:
    hits: list[Hit]
    total: int
    next_cursor: SearchCursor | None
    facets: dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class _Ranked:
    key: float | int
    tie: int
    address: tantivy.DocAddress


class SearchIndex:
    def __init__(self, directory: Path | None, writer_heap_bytes: int = 64_000_000) -> None:
        """``directory`` None: in memory (a commit then needs no fsync: ~15 ms, not ~90)."""
        self.directory = directory
        self.analyzers = Analyzers()
        self.schema = build_schema()
        if directory is None:
            self.index = tantivy.Index(self.schema)
        else:
            self.index = tantivy.Index(self.schema, path=str(directory), reuse=False)
        self.analyzers.register(self.index)
        self.index.config_reader("manual")
        self.builder = QueryBuilder(self.schema, self.analyzers)
        self._writer = self.index.writer(heap_size=writer_heap_bytes, num_threads=1)
        # Stemming languages ever indexed here: a search stems for these only.
        self.languages: frozenset[str] = frozenset()
        self._write_lock = threading.Lock()

    # --- writes (one writer task; blocking, run in a thread) ------------------------

    def replace(self, removed: Iterable[UUID], added: Iterable[IndexedOffering]) -> None:
        """Remove ``removed`` (and any older copy of ``added``), add ``added``, commit,
        and make it visible: all in one commit, so no search sees half of it."""
        with self._write_lock:
            for offering_id in removed:
                self._writer.delete_documents_by_term("id", str(offering_id))
            for offering in added:
                self._writer.delete_documents_by_term("id", str(offering.id))
                self._writer.add_document(to_document(offering))
                self._saw_language(offering)
            self._writer.commit()
            self.index.reload()

    def add_all(self, offerings: Iterable[IndexedOffering]) -> int:
        """Bulk load into an empty index (no deletes needed), without committing."""
        n = 0
        with self._write_lock:
            for offering in offerings:
                self._writer.add_document(to_document(offering))
                self._saw_language(offering)
                n += 1
        return n

    def _saw_language(self, offering: IndexedOffering) -> None:
        base = language_base(offering.language)
        if base in STEMMERS and base not in self.languages:
            self.languages = self.languages | {base}

    def clear(self) -> None:
        with self._write_lock:
            self._writer.delete_all_documents()
            self._writer.commit()
            self.index.reload()

    def commit(self) -> None:
        with self._write_lock:
            self._writer.commit()
            self.index.reload()

    def close(self) -> None:
        with self._write_lock:
            self._writer.wait_merging_threads()

    @property
    def num_docs(self) -> int:
        return self.index.searcher().num_docs

    # --- reads ----------------------------------------------------------------------

    def search(
        self,
        query: SearchQuery,
        parsed: ParsedQuery | None,
        after: SearchCursor | None,
        facets: tuple[str, ...] = (),
    ) -> SearchPage:
        searcher = self.index.searcher()

        seen: dict[tuple[str, str], int] = {}

        def doc_freq(field: str, term: str) -> int:
            key = (field, term)
            if key not in seen:
                seen[key] = searcher.doc_freq(field, term)
            return seen[key]

        main = None
        nudge = False
        if parsed is not None:
            main = self.builder.text_query(parsed, query.language, doc_freq, self.languages)
            nudge = self.builder.constant_scores(parsed, doc_freq)
        q = combine(main, self.builder.filters(query))
        sort = query.effective_sort
        if sort is SortOrder.RELEVANCE:
            ranked, total, more = self._relevance_page(searcher, q, query.limit, after, nudge)
        else:
            ranked, total, more = self._keyed_page(searcher, q, sort, query.limit, after)
        next_cursor = None
        if more and ranked:
            last = ranked[-1]
            depth = (after.depth if after is not None else 0) + len(ranked)
            if sort is not SortOrder.RELEVANCE or depth < MAX_RELEVANCE_DEPTH:
                next_cursor = SearchCursor(sort, last.key, last.tie, min(depth, 2**31 - 1))
        hits = self._hits(searcher, ranked, parsed)
        counted = self._facets(searcher, q, facets) if facets else {}
        return SearchPage(hits, total, next_cursor, counted)

    def _relevance_page(
        self,
        searcher: tantivy.Searcher,
        q: Query,
        limit: int,
        after: SearchCursor | None,
        nudge: bool,
    ) -> tuple[list[_Ranked], int, bool]:
        """The best matches after the cursor's offering, read from the top
        ``depth + limit`` hits: scores cannot be sought to, so deep pages cost more and
        stop at MAX_RELEVANCE_DEPTH.

        The page continues after the cursor's offering (its tie-break) wherever it now
        ranks, so another replica, whose scores may differ by a hair (term statistics
        count deleted documents until a merge), continues after the same offering; if
        that offering is gone, after its (score, tie) instead.

        ``nudge``: the query has constant-score parts, so scores are made distinct by the
        tie-break (schema.NUDGE); it costs a column read per match, so BM25-only
        queries, whose equal scores are few, do without (their rare ties are ordered by
        the tie-break here, and a tie cut by the window is read further)."""
        depth = after.depth if after is not None else 0
        window = depth + limit + 1 + SLACK
        cap = MAX_RELEVANCE_DEPTH + limit + 1 + SLACK
        while True:
            if nudge:
                found = searcher.search(q, window, count=True, weight_by_field="nudge")
            else:
                found = searcher.search(q, window, count=True)
            hits = found.hits
            ties = searcher.fast_field_values("tie", [a for _, a in hits]) if hits else []
            rows = [
                _Ranked(float(score), int(tie or 0), address)
                for (score, address), tie in zip(hits, ties, strict=True)
            ]
            rows.sort(key=lambda r: (r.key, r.tie), reverse=True)
            truncated = len(hits) == window
            grow = truncated and window < cap
            if truncated:
                # Hits with the cut's score may continue past the window: only the rows
                # strictly above it are in a known order.
                edge = float(hits[-1][0])
                rows = [r for r in rows if r.key != edge]
            if after is not None:
                anchor = next((i for i, r in enumerate(rows) if r.tie == after.tie), None)
                if anchor is None and grow:
                    window = min(cap, window * 2)  # it may rank lower now
                    continue
                if anchor is not None:
                    rows = rows[anchor + 1 :]
                else:
                    rows = [r for r in rows if (r.key, r.tie) < (after.key, after.tie)]
            if len(rows) < limit + 1 and grow:
                window = min(cap, window * 2)
                continue
            return rows[:limit], _count(found), len(rows) > limit

    def _keyed_page(
        self,
        searcher: tantivy.Searcher,
        q: Query,
        sort: SortOrder,
        limit: int,
        after: SearchCursor | None,
    ) -> tuple[list[_Ranked], int, bool]:
        field = "newest_key" if sort is SortOrder.NEWEST else "price_key"
        ascending = sort is SortOrder.PRICE_ASC
        order = Order.Asc if ascending else Order.Desc
        bounded = q
        if after is not None:
            key = int(after.key)
            low, high = (key, None) if ascending else (None, key)
            bound = Query.range_query(self.schema, field, FieldType.Unsigned, low, high)
            bounded = Query.boolean_query([(Occur.Must, q), (Occur.Must, bound)])
        window = limit + 1 + SLACK
        found = searcher.search(
            bounded, window, count=after is None, order_by_field=field, order=order
        )
        total = _count(found) if after is None else _count(searcher.search(q, 1, count=True))
        rows = self._keyed_rows(searcher, found.hits)
        if len(found.hits) == window:
            # The window may cut through equal keys: read that key's group whole.
            edge = max(r.key for r in rows) if ascending else min(r.key for r in rows)
            rows = [r for r in rows if r.key != edge]
            exact = Query.range_query(self.schema, field, FieldType.Unsigned, edge, edge)
            group = searcher.search(
                Query.boolean_query([(Occur.Must, q), (Occur.Must, exact)]), MAX_TIE_GROUP
            )
            rows += [
                _Ranked(edge, r.tie, r.address)
                for r in self._keyed_rows(searcher, [(edge, a) for _, a in group.hits])
            ]
        if after is not None:
            cursor = (int(after.key), after.tie)
            if ascending:
                rows = [r for r in rows if (r.key, r.tie) > cursor]
            else:
                rows = [r for r in rows if (r.key, r.tie) < cursor]
        rows.sort(key=lambda r: (r.key, r.tie), reverse=not ascending)
        return rows[:limit], total or 0, len(rows) > limit

    @staticmethod
    def _keyed_rows(searcher: tantivy.Searcher, hits: list[tuple[Any, Any]]) -> list[_Ranked]:
        if not hits:
            return []
        ties = searcher.fast_field_values("tie", [a for _, a in hits])
        return [
            _Ranked(int(key), int(tie or 0), address)
            for (key, address), tie in zip(hits, ties, strict=True)
        ]

    def _hits(
        self, searcher: tantivy.Searcher, ranked: list[_Ranked], parsed: ParsedQuery | None
    ) -> list[Hit]:
        docs = [searcher.doc(r.address) for r in ranked]
        generators: dict[str, tantivy.SnippetGenerator] = {}
        if parsed is not None and docs:
            words = self.builder.highlight_query(parsed)
            for field in ("title", "description"):
                g = tantivy.SnippetGenerator.create(searcher, words, self.schema, field)
                g.set_max_num_chars(SNIPPET_CHARS if field == "description" else 400)
                generators[field] = g
        out: list[Hit] = []
        for doc in docs:
            highlights: dict[str, str] = {}
            for field, g in generators.items():
                snippet = g.snippet_from_doc(doc)
                if snippet.highlighted():
                    highlights[field] = snippet.to_html()
            view = doc.get_first("view")
            assert isinstance(view, bytes)
            out.append(Hit(view, highlights))
        return out

    def _facets(
        self, searcher: tantivy.Searcher, q: Query, facets: tuple[str, ...]
    ) -> dict[str, list[dict[str, Any]]]:
        aggs: dict[str, Any] = {}
        for name in facets:
            if name in _TERM_FACETS:
                aggs[name] = {"terms": {"field": _TERM_FACETS[name], "size": FACET_SIZE}}
            elif name == "price":
                aggs[name] = {
                    "range": {"field": "price", "ranges": _ranges(PRICE_BUCKETS, PRICE_TOP)}
                }
            elif name == "duration":
                aggs[name] = {
                    "range": {
                        "field": "duration",
                        "ranges": _ranges(DURATION_BUCKETS, DURATION_TOP),
                    }
                }
        result = searcher.aggregate(q, aggs)
        out: dict[str, list[dict[str, Any]]] = {}
        for name in facets:
            buckets = result.get(name, {}).get("buckets", [])
            if name in _TERM_FACETS:
                out[name] = [
                    {"value": str(b["key"]), "count": int(b["doc_count"])} for b in buckets
                ]
            else:
                # The range aggregation adds buckets for the gaps; only ours are answered.
                ours = _RANGE_KEYS[name]
                out[name] = [
                    {"value": str(b["key"]), "count": int(b["doc_count"])}
                    for b in buckets
                    if b["key"] in ours
                ]
        return out

    def suggest(
        self, prefix_words: list[str], last: str, limit: int
    ) -> tuple[list[tuple[str, int]], list[bytes]]:
        """Completions of ``last`` among titles that also hold ``prefix_words``, by how
        many offerings have them, and the best offerings so far."""
        searcher = self.index.searcher()
        s = self.schema
        before: list[tuple[Occur, Query]] = []
        for word in prefix_words:
            for token in self.analyzers.fold(word):
                before.append((Occur.Must, Query.term_query(s, "title", token)))
        folded = self.analyzers.fold(last)
        if not folded:
            return [], []
        stem = folded[0]
        filter_query = Query.boolean_query(before) if before else None
        terms = searcher.terms_with_prefix("title", stem, filter_query=filter_query, limit=limit)
        started = Query.fuzzy_term_query(s, "title", stem, distance=0, prefix=True)
        q = Query.boolean_query([*before, (Occur.Must, started)])
        found = searcher.search(q, limit, count=False)
        views = []
        for _, address in found.hits:
            view = searcher.doc(address).get_first("view")
            assert isinstance(view, bytes)
            views.append(view)
        return [(t, int(n)) for t, n in terms], views


def _ranges(
    buckets: tuple[tuple[int, int, str], ...], top: tuple[int, str]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"key": k, "from": lo, "to": hi} for lo, hi, k in buckets]
    out.append({"key": top[1], "from": top[0]})
    return out


def _count(result: tantivy.SearchResult) -> int:
    # The stubs leave out `count`, which is set when the search counted.
    count = getattr(result, "count", None)
    return int(count or 0)
