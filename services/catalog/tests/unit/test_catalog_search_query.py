from datetime import UTC, datetime
from uuid import uuid4

import pytest
from catalog.domain.cursor import Cursor, CursorInvalid, decode_cursor, encode_cursor
from catalog.domain.search_query import SearchQuery, SortOrder, check_search


def fields(query: SearchQuery) -> set[str]:
    return {v.field for v in check_search(query)}


def test_plain_queries_are_valid() -> None:
    assert check_search(SearchQuery()) == []
    assert check_search(SearchQuery(text="python", skill="SQL", level="beginner")) == []
    assert check_search(SearchQuery(price_min=0, price_max=5000, currency="EUR")) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (SearchQuery(text="x" * 201), "q"),
        (SearchQuery(text="a\x00b"), "q"),
        (SearchQuery(skill="\x00"), "skill"),
        (SearchQuery(level="guru"), "level"),
        (SearchQuery(language="en%"), "language"),
        (SearchQuery(currency="ABC"), "currency"),
        (SearchQuery(price_min=10), "currency"),
        (SearchQuery(price_max=-1, currency="EUR"), "price_max"),
        (SearchQuery(price_min=10, price_max=5, currency="EUR"), "price_min"),
        (SearchQuery(free=True, price_min=1, currency="EUR"), "free"),
        (SearchQuery(limit=0), "limit"),
        (SearchQuery(limit=101), "limit"),
    ],
)
def test_bad_questions_are_named(query: SearchQuery, field: str) -> None:
    assert field in fields(query)


def test_default_sort_depends_on_search_words() -> None:
    assert SearchQuery().effective_sort is SortOrder.NEWEST
    assert SearchQuery(text="python").effective_sort is SortOrder.RELEVANCE
    assert SearchQuery(text="  ").effective_sort is SortOrder.NEWEST
    assert SearchQuery(sort=SortOrder.RELEVANCE).effective_sort is SortOrder.NEWEST
    assert SearchQuery(text="x", sort=SortOrder.PRICE_ASC).effective_sort is SortOrder.PRICE_ASC


def test_fingerprint_ignores_page_size_and_skill_case() -> None:
    assert SearchQuery(skill="SQL", limit=5).fingerprint() == SearchQuery(skill="sql").fingerprint()
    assert SearchQuery(text="a").fingerprint() != SearchQuery(text="b").fingerprint()


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        (SortOrder.NEWEST, datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
        (SortOrder.RELEVANCE, 0.0607927106320858),
        (SortOrder.PRICE_ASC, 4900),
        (SortOrder.PRICE_DESC, 0),
    ],
)
def test_cursor_round_trip(sort: SortOrder, key: object) -> None:
    cursor = Cursor(sort, key, uuid4())  # type: ignore[arg-type]
    text = encode_cursor(cursor, "fp")
    assert decode_cursor(text, sort, "fp") == cursor


def test_a_cursor_is_only_good_for_its_own_search() -> None:
    text = encode_cursor(Cursor(SortOrder.PRICE_ASC, 1, uuid4()), "fp")
    with pytest.raises(CursorInvalid):
        decode_cursor(text, SortOrder.PRICE_ASC, "other")
    with pytest.raises(CursorInvalid):
        decode_cursor(text, SortOrder.PRICE_DESC, "fp")


@pytest.mark.parametrize(
    "text",
    ["", "!!!", "bm90IGpzb24", "W10", "eyJzIjoibmV3ZXN0In0", "\x00", "é"],
)
def test_garbage_cursors_are_refused(text: str) -> None:
    with pytest.raises(CursorInvalid):
        decode_cursor(text, SortOrder.NEWEST, "fp")


def test_a_cursor_with_the_wrong_key_type_is_refused() -> None:
    import base64
    import json

    from catalog.domain.cursor import _digest

    body = {"s": "price_asc", "k": "cheap", "i": str(uuid4()), "f": _digest("fp")}
    text = base64.urlsafe_b64encode(json.dumps(body).encode()).decode()
    with pytest.raises(CursorInvalid):
        decode_cursor(text, SortOrder.PRICE_ASC, "fp")


def test_a_relevance_cursor_keeps_its_boundary_and_tier() -> None:
    boundary = (datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), uuid4())
    ranked = Cursor(SortOrder.RELEVANCE, 0.25, uuid4(), boundary)
    older = Cursor(SortOrder.RELEVANCE, boundary[0], uuid4(), boundary, past_boundary=True)
    for cursor in (ranked, older):
        assert decode_cursor(encode_cursor(cursor, "fp"), SortOrder.RELEVANCE, "fp") == cursor


def test_a_cursor_past_the_boundary_needs_one() -> None:
    text = encode_cursor(
        Cursor(SortOrder.RELEVANCE, datetime.now(UTC), uuid4(), past_boundary=True), "fp"
    )
    with pytest.raises(CursorInvalid):
        decode_cursor(text, SortOrder.RELEVANCE, "fp")
