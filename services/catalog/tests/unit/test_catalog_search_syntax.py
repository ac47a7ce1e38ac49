"""The search box's syntax: what it means, and what is refused (with where)."""

import pytest
from catalog.domain.search_syntax import (
    MAX_CLAUSES,
    AnyOf,
    ParsedQuery,
    Phrase,
    QuerySyntaxError,
    Word,
    parse_search_text,
)


def test_words_phrases_alternatives_exclusions_and_prefixes() -> None:
    parsed = parse_search_text('Python "machine learning" rust or go -excel -"spread sheets" stat*')
    assert parsed == ParsedQuery(
        required=(
            AnyOf((Word("python"),)),
            AnyOf((Phrase(("machine", "learning")),)),
            AnyOf((Word("rust"), Word("go"))),
            AnyOf((Word("stat", prefix=True),)),
        ),
        excluded=(Word("excel"), Phrase(("spread", "sheets"))),
    )


def test_joined_words_are_a_phrase_and_punctuation_alone_is_ignored() -> None:
    assert parse_search_text("data-science & node.js") == ParsedQuery(
        required=(AnyOf((Phrase(("data", "science")),)), AnyOf((Phrase(("node", "js")),)))
    )
    assert parse_search_text('"python"').required == (AnyOf((Word("python"),)),)


def test_only_exclusions_is_a_search_for_everything_else() -> None:
    assert parse_search_text("-python") == ParsedQuery(excluded=(Word("python"),))


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ('python "machine learning', 7, "unclosed quote"),
        ('""', 0, "empty phrase"),
        ('" !! "', 0, "empty phrase"),
        ("python -", 7, "'-' must be followed"),
        ("*", 0, "prefix needs"),
        ("p*", 0, "prefix needs"),
        ("py**", 0, "'*' may only end"),
        ("p*thon", 0, "'*' may only end"),
        ('"machine learning"*', 18, "phrase cannot end"),
        ("or python", 0, "'or' needs"),
        ("python or", 7, "'or' needs"),
        ("python or or rust", 10, "'or' needs"),
        ("python or -rust", 7, "'or' cannot join"),
        ("!!! ???", 0, "no letters or digits"),
    ],
)
def test_what_means_nothing_is_refused_with_its_position(
    text: str, position: int, reason: str
) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_search_text(text)
    assert caught.value.position == position
    assert reason in caught.value.message


def test_the_size_of_a_query_is_bounded() -> None:
    parse_search_text(" ".join(["word"] * MAX_CLAUSES))
    with pytest.raises(QuerySyntaxError, match="at most"):
        parse_search_text(" ".join(["word"] * (MAX_CLAUSES + 1)))
    with pytest.raises(QuerySyntaxError, match="at most 8 words"):
        parse_search_text('"' + " ".join(["w"] * 9) + '"')
