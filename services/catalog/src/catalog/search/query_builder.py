"""A parsed search (search_syntax) and its filters as one engine query.

Relevance is BM25 per field with boosts (title > skills > provider > description,
schema.FIELD_BOOSTS), summed over the places a word is found: the folded word, its
stem in each language, and, only for a word the catalogue does not contain at all, the
words one or two typos away (a constant, lower score than any exact match would
earn). Fuzzy matching of words that exist would cost a scan of their neighbours'
postings on every search and drown exact matches in near misses. Filters score
nothing, so they narrow the list without changing its order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import tantivy
from tantivy import FieldType, Occur, Query

from catalog.domain.search_query import SearchQuery
from catalog.domain.search_syntax import AnyOf, Atom, ParsedQuery, Phrase, Word
from catalog.search.schema import (
    FIELD_BOOSTS,
    STEMMED_FIELDS,
    STEMMERS,
    Analyzers,
    language_base,
    stemmed_field,
)

# Typos allowed: none under 5 letters ("sql" is not "sql" with a typo), 2 from 9 on.
TYPO_MIN_LENGTH = 5
TWO_TYPOS_MIN_LENGTH = 9
# A typo match scores like a weak hit in that field.
TYPO_SCORE = 0.5
PREFIX_SCORE = 1.0
STEM_WEIGHT = 0.9
FUZZY_FIELDS = ("title", "skills_text", "provider", "description")

DocFreq = Callable[[str, str], int]


class QueryBuilder:
    def __init__(self, schema: tantivy.Schema, analyzers: Analyzers) -> None:
        self.schema = schema
        self.analyzers = analyzers

    # --- text ---------------------------------------------------------------------

    def text_query(
        self,
        parsed: ParsedQuery,
        language: str | None,
        doc_freq: DocFreq,
        indexed_languages: Iterable[str] = STEMMERS,
    ) -> Query:
        langs = self._languages(language, indexed_languages)
        subqueries: list[tuple[Occur, Query]] = []
        for clause in parsed.required:
            subqueries.append((Occur.Must, self._any_of(clause, langs, doc_freq)))
        for atom in parsed.excluded:
            subqueries.append((Occur.MustNot, self._atom(atom, langs, doc_freq, exclude=True)))
        if not parsed.required:
            subqueries.append((Occur.Must, Query.all_query()))
        return Query.boolean_query(subqueries)

    def constant_scores(self, parsed: ParsedQuery, doc_freq: DocFreq) -> bool:
        """Whether many matches may score exactly alike: prefix and typo matches score a
        constant, and a search of exclusions alone matches everything at one score."""
        if not parsed.required:
            return True
        return any(
            isinstance(atom, Word) and (atom.prefix or self._typos(atom.text, doc_freq))
            for clause in parsed.required
            for atom in clause.atoms
        )

    def highlight_query(self, parsed: ParsedQuery) -> Query:
        """The folded words and phrases alone: what a snippet can point at."""
        words: list[tuple[Occur, Query]] = []
        for clause in parsed.required:
            for atom in clause.atoms:
                for field in ("title", "description"):
                    q = self._exact(atom, field)
                    if q is not None:
                        words.append((Occur.Should, q))
        return Query.boolean_query(words) if words else Query.empty_query()

    @staticmethod
    def _languages(language: str | None, indexed: Iterable[str]) -> list[str]:
        base = language_base(language)
        if base is not None:
            return [base] if base in STEMMERS else []
        return sorted(indexed)

    def _any_of(self, clause: AnyOf, langs: list[str], doc_freq: DocFreq) -> Query:
        if len(clause.atoms) == 1:
            return self._atom(clause.atoms[0], langs, doc_freq)
        return Query.boolean_query(
            [(Occur.Should, self._atom(a, langs, doc_freq)) for a in clause.atoms]
        )

    def _folded(self, words: Iterable[str]) -> list[str]:
        return [t for w in words for t in self.analyzers.fold(w)]

    def _exact(self, atom: Atom, field: str) -> Query | None:
        if isinstance(atom, Phrase):
            words = self._folded(atom.words)
            if len(words) > 1:
                return Query.phrase_query(self.schema, field, list[str | tuple[int, str]](words))
            if not words:
                return None
            return Query.term_query(self.schema, field, words[0])
        if atom.prefix:
            folded = self._folded([atom.text])
            if not folded:
                return None
            return Query.fuzzy_term_query(self.schema, field, folded[0], distance=0, prefix=True)
        folded = self._folded([atom.text])
        return Query.term_query(self.schema, field, folded[0]) if folded else None

    def _atom(
        self, atom: Atom, langs: list[str], doc_freq: DocFreq, exclude: bool = False
    ) -> Query:
        clauses: list[tuple[Occur, Query]] = []
        for field, boost in FIELD_BOOSTS.items():
            q = self._exact(atom, field)
            if q is None:
                continue
            if isinstance(atom, Word) and atom.prefix:
                q = Query.const_score_query(q, PREFIX_SCORE * boost)
            elif boost != 1.0:
                q = Query.boost_query(q, boost)
            clauses.append((Occur.Should, q))
        if isinstance(atom, Word) and not atom.prefix:
            clauses += self._stems(atom.text, langs, doc_freq)
            if not exclude:
                clauses += self._typos(atom.text, doc_freq)
        if not clauses:
            return Query.empty_query()
        return clauses[0][1] if len(clauses) == 1 else Query.boolean_query(clauses)

    def _stems(self, word: str, langs: list[str], doc_freq: DocFreq) -> list[tuple[Occur, Query]]:
        out: list[tuple[Occur, Query]] = []
        for lang in langs:
            stems = self.analyzers.stem(lang, word)
            if len(stems) != 1:
                continue
            for field in STEMMED_FIELDS:
                name = stemmed_field(field, lang)
                # Most languages have no offering with the word: no clause to score.
                if not doc_freq(name, stems[0]):
                    continue
                q = Query.term_query(self.schema, name, stems[0])
                out.append((Occur.Should, Query.boost_query(q, FIELD_BOOSTS[field] * STEM_WEIGHT)))
        return out

    def _typos(self, word: str, doc_freq: DocFreq) -> list[tuple[Occur, Query]]:
        folded = self._folded([word])
        if len(folded) != 1 or len(folded[0]) < TYPO_MIN_LENGTH:
            return []
        term = folded[0]
        if any(doc_freq(field, term) for field in FIELD_BOOSTS):
            return []
        distance = 2 if len(term) >= TWO_TYPOS_MIN_LENGTH else 1
        return [
            (
                Occur.Should,
                Query.const_score_query(
                    Query.fuzzy_term_query(self.schema, field, term, distance=distance),
                    TYPO_SCORE * FIELD_BOOSTS[field],
                ),
            )
            for field in FUZZY_FIELDS
        ]

    # --- filters ------------------------------------------------------------------

    def filters(self, query: SearchQuery) -> list[Query]:
        s = self.schema
        out: list[Query] = []
        if query.normalized_skill is not None:
            out.append(Query.term_query(s, "skills", query.normalized_skill))
        if query.provider_id is not None:
            out.append(Query.term_query(s, "provider_id", str(query.provider_id)))
        if query.language is not None:
            if "-" in query.language:
                # The tag is validated (letters, digits, '-'), so it holds no regex syntax.
                out.append(
                    Query.boolean_query(
                        [
                            (Occur.Should, Query.term_query(s, "language", query.language)),
                            (
                                Occur.Should,
                                Query.regex_query(s, "language", f"{query.language}-.*"),
                            ),
                        ]
                    )
                )
            else:
                out.append(Query.term_query(s, "lang_base", query.language))
        if query.level is not None:
            out.append(Query.term_query(s, "level", query.level))
        if query.currency is not None:
            out.append(Query.term_query(s, "currency", query.currency))
        low, high = query.price_min, query.price_max
        if query.free is True:
            high = 0
        elif query.free is False:
            low = max(low or 0, 1)
        if low is not None or high is not None:
            out.append(Query.range_query(s, "price", FieldType.Integer, low, high))
        if query.duration_min is not None or query.duration_max is not None:
            out.append(
                Query.range_query(
                    s, "duration", FieldType.Integer, query.duration_min, query.duration_max
                )
            )
        return out


def combine(main: Query | None, filters: list[Query]) -> Query:
    """``main`` scored, every filter required at no score."""
    parts: list[tuple[Occur, Query]] = [
        (Occur.Must, Query.const_score_query(f, 0.0)) for f in filters
    ]
    if main is not None:
        parts.insert(0, (Occur.Must, main))
    if not parts:
        return Query.all_query()
    if len(parts) == 1 and main is not None:
        return main
    return Query.boolean_query(parts)
