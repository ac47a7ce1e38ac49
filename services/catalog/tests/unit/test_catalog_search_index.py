"""The search index on its own (the real engine in a temporary directory, no services):
relevance, language, typos, syntax, filters, facets, sorts and paging."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from catalog.domain.search_cursor import (
    SearchCursor,
    decode_search_cursor,
    encode_search_cursor,
)
from catalog.domain.search_query import SearchQuery, SortOrder
from catalog.domain.search_syntax import parse_search_text
from catalog.search.index import SearchIndex, SearchPage
from catalog.search.schema import IndexedOffering

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PROVIDER = uuid4()


def offering(
    title: str,
    description: str = "A short course.",
    *,
    skills: tuple[str, ...] = ("general",),
    provider: str = "Example Academy",
    language: str = "en",
    level: str = "beginner",
    price: int = 4900,
    duration: int = 90,
    minutes: int = 0,
) -> IndexedOffering:
    oid = uuid4()
    return IndexedOffering(
        id=oid,
        provider_id=PROVIDER,
        provider_name=provider,
        title=title,
        description=description,
        skills=skills,
        level=level,
        language=language,
        duration_minutes=duration,
        price_amount=price,
        price_currency="EUR",
        published_at=T0 + timedelta(minutes=minutes),
        view={"id": str(oid), "title": title},
    )


@pytest.fixture
def index(tmp_path: Path) -> Iterator[SearchIndex]:
    built = SearchIndex(tmp_path, writer_heap_bytes=15_000_000)
    yield built
    built.close()


def search(index: SearchIndex, text: str | None = None, **kw: Any) -> SearchPage:
    query = SearchQuery(text=text, **kw)
    parsed = parse_search_text(text) if text else None
    return index.search(query, parsed, None)


def titles(page: SearchPage) -> list[str]:
    return [json.loads(h.view)["title"] for h in page.hits]


def ids(page: SearchPage) -> list[UUID]:
    return [UUID(json.loads(h.view)["id"]) for h in page.hits]


def test_a_word_in_the_title_outranks_skills_then_provider_then_description(
    index: SearchIndex,
) -> None:
    index.replace(
        [],
        [
            offering("Spreadsheets", "Course about cobol and more."),
            offering("Mainframes", provider="Cobol Institute"),
            offering("Cobol Today"),
            offering("Legacy Systems", skills=("cobol",)),
        ],
    )
    assert titles(search(index, "cobol")) == [
        "Cobol Today",
        "Legacy Systems",
        "Mainframes",
        "Spreadsheets",
    ]


def test_words_are_stemmed_in_the_offerings_own_language(index: SearchIndex) -> None:
    index.replace(
        [],
        [
            offering("Programming for learners", language="en-GB"),
            offering("Datenbanken verstehen", language="de"),
            offering("Running a team", language="xx"),
        ],
    )
    assert titles(search(index, "learner programs")) == ["Programming for learners"]
    assert titles(search(index, "datenbank")) == ["Datenbanken verstehen"]
    # No stemmer for the language: the exact word only.
    assert titles(search(index, "run")) == []
    assert titles(search(index, "running")) == ["Running a team"]
    # A language filter stems with that language only.
    assert titles(search(index, "datenbank", language="en")) == []


def test_a_word_no_offering_has_is_matched_with_typos(index: SearchIndex) -> None:
    index.replace([], [offering("Python basics"), offering("Statistics with R")])
    assert titles(search(index, "pyhton")) == ["Python basics"]
    assert titles(search(index, "statistcs")) == ["Statistics with R"]
    # Short words are never "corrected": "sql" is not a typo of "sqlx".
    assert titles(search(index, "pythn basics")) == ["Python basics"]
    assert titles(search(index, "pyth")) == []


def test_phrases_prefixes_alternatives_and_exclusions(index: SearchIndex) -> None:
    index.replace(
        [],
        [
            offering("Machine learning in practice"),
            offering("Learning to repair a machine"),
            offering("Rust for machine builders"),
        ],
    )
    assert titles(search(index, '"machine learning"')) == ["Machine learning in practice"]
    assert set(titles(search(index, "mach* -rust"))) == {
        "Machine learning in practice",
        "Learning to repair a machine",
    }
    assert set(titles(search(index, "repair or builders"))) == {
        "Learning to repair a machine",
        "Rust for machine builders",
    }
    assert titles(search(index, "-machine")) == []


def test_filters_and_facet_counts(index: SearchIndex) -> None:
    index.replace(
        [],
        [
            offering("A", skills=("python", "sql"), price=0, duration=30, language="en-US"),
            offering("B", skills=("python",), level="advanced", price=9900, duration=300),
            offering("C", skills=("sql",), language="de", price=4900, duration=700),
        ],
    )
    assert titles(search(index, skill="python", sort=SortOrder.PRICE_ASC)) == ["A", "B"]
    assert titles(search(index, free=True)) == ["A"]
    assert set(titles(search(index, free=False))) == {"B", "C"}
    assert titles(search(index, level="advanced")) == ["B"]
    assert set(titles(search(index, language="en"))) == {"A", "B"}
    assert titles(search(index, language="en-US")) == ["A"]
    assert titles(search(index, price_min=1, price_max=5000, currency="EUR")) == ["C"]
    assert titles(search(index, duration_min=100, duration_max=400)) == ["B"]

    query = SearchQuery(skill="python")
    counted = index.search(
        query, None, None, ("skills", "level", "price", "duration", "language")
    ).facets
    assert counted["skills"] == [{"value": "python", "count": 2}, {"value": "sql", "count": 1}]
    assert {(f["value"], f["count"]) for f in counted["level"]} == {
        ("beginner", 1),
        ("advanced", 1),
    }
    price = {f["value"]: f["count"] for f in counted["price"]}
    assert price == {"free": 1, "<25": 0, "25-50": 0, "50-100": 1, "100+": 0}
    duration = {f["value"]: f["count"] for f in counted["duration"]}
    assert duration == {"<1h": 1, "1-3h": 0, "3-10h": 1, "10h+": 0}


def test_matched_words_are_highlighted_html_escaped(index: SearchIndex) -> None:
    index.replace([], [offering("<Python> & friends", "Long text. " * 30 + "python at the end")])
    hit = search(index, "python").hits[0]
    assert hit.highlights["title"] == "&lt;<b>Python</b>&gt; &amp; friends"
    assert "<b>python</b> at the end" in hit.highlights["description"]


def test_replacing_and_removing_is_seen_by_the_next_search(index: SearchIndex) -> None:
    first = offering("Old title")
    index.replace([], [first])
    renamed = IndexedOffering(
        **{**first.__dict__, "title": "New title", "view": {"id": str(first.id), "title": "New"}}
    )
    index.replace([], [renamed])
    assert titles(search(index, "title")) == ["New"]
    assert search(index, "old").total == 0
    index.replace([first.id], [])
    assert search(index, "title").total == 0


def all_pages(index: SearchIndex, query: SearchQuery) -> list[UUID]:
    parsed = parse_search_text(query.text) if query.text else None
    seen: list[UUID] = []
    after: SearchCursor | None = None
    while True:
        page = index.search(query, parsed, after)
        seen += ids(page)
        if page.next_cursor is None:
            return seen
        # Through the wire format, as a client would.
        text = encode_search_cursor(page.next_cursor, query.fingerprint())
        after = decode_search_cursor(text, query.effective_sort, query.fingerprint())


@pytest.mark.parametrize("sort", list(SortOrder))
def test_every_sort_pages_through_every_match_once_in_order(
    index: SearchIndex, sort: SortOrder
) -> None:
    # Many equal prices, equal publish times and equal scores: the ties must not
    # make a page skip or repeat an offering.
    offerings = [offering("Python course", minutes=i % 3, price=(i % 2) * 4900) for i in range(60)]
    index.replace([], offerings)
    query = SearchQuery(text="python", sort=sort, limit=7)
    seen = all_pages(index, query)
    assert len(seen) == 60
    assert set(seen) == {o.id for o in offerings}
    if sort is SortOrder.PRICE_ASC:
        prices = {o.id: o.price_amount for o in offerings}
        assert [prices[i] for i in seen] == sorted(prices[i] for i in seen)


def test_a_page_is_stable_while_offerings_are_added(index: SearchIndex) -> None:
    index.replace([], [offering(f"Course {i}", minutes=i) for i in range(10)])
    query = SearchQuery(sort=SortOrder.NEWEST, limit=4)
    first = index.search(query, None, None)
    # Published after the first page was read: newer, so before it; not repeated after.
    index.replace([], [offering("Brand new", minutes=100)])
    second = index.search(query, None, first.next_cursor)
    assert titles(first) == ["Course 9", "Course 8", "Course 7", "Course 6"]
    assert titles(second) == ["Course 5", "Course 4", "Course 3", "Course 2"]


def test_autocomplete_completes_the_last_word_among_matching_titles(
    index: SearchIndex,
) -> None:
    index.replace(
        [],
        [
            offering("Machine learning"),
            offering("Machine learning at scale"),
            offering("Machine vision"),
            offering("Learning to cook"),
        ],
    )
    completions, views = index.suggest(["machine"], "le", 5)
    assert completions == [("learning", 2)]
    assert {json.loads(v)["title"] for v in views} == {
        "Machine learning",
        "Machine learning at scale",
    }
    completions, _ = index.suggest([], "ma", 5)
    assert completions == [("machine", 3)]


def test_a_relevance_cursor_continues_on_a_replica_whose_scores_differ(
    tmp_path: Path,
) -> None:
    offerings = [offering(f"Welding {'basics ' * (i % 3)}{i}") for i in range(12)]
    first = SearchIndex(tmp_path, writer_heap_bytes=15_000_000)
    other = SearchIndex(None, writer_heap_bytes=15_000_000)
    first.replace([], offerings)
    # The other replica saw an offering come and go: its term statistics still count it.
    gone = offering("Welding welding welding")
    other.replace([], [*offerings, gone])
    other.replace([gone.id], [])
    query = SearchQuery(text="welding", limit=5)
    parsed = parse_search_text("welding")
    page = first.search(query, parsed, None)
    assert page.next_cursor is not None
    seen = ids(page)
    after: SearchCursor | None = page.next_cursor
    while after is not None:
        page = other.search(query, parsed, after)
        seen += ids(page)
        after = page.next_cursor
    assert sorted(seen) == sorted(o.id for o in offerings)
    first.close()
    other.close()
