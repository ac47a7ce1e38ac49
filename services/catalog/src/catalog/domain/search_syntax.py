"""What a learner may type into the search box, parsed into clauses (no I/O).

The syntax is today's web-search syntax (ADR 0010) plus prefixes:

- ``python data``: every word must match (stemmed, typo-tolerant);
- ``"machine learning"``: the words in this order;
- ``python or rust``: either (``or`` binds tighter than the implicit "and");
- ``-excel`` / ``-"spread sheets"``: none of these;
- ``mach*``: any word that starts with ``mach``.

What cannot mean anything is refused with the position of the fault (the API answers
422), rather than guessed at: an unclosed quote, an empty phrase, a lone ``-`` or ``*``,
a prefix too short to be selective, ``or`` with nothing on one side. The size of a
query is bounded so that no caller can make one request do unbounded work.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_CLAUSES = 12
MAX_PHRASE_WORDS = 8
MIN_PREFIX = 2
MAX_WORD = 40


class QuerySyntaxError(ValueError):
    def __init__(self, position: int, message: str) -> None:
        self.position = position
        self.message = message
        super().__init__(f"{message} (at character {position + 1})")


@dataclass(frozen=True)
class Word:
    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]


Atom = Word | Phrase


@dataclass(frozen=True)
class AnyOf:
    """One clause: at least one of its atoms matches (one atom without ``or``)."""

    atoms: tuple[Atom, ...]


@dataclass(frozen=True)
class ParsedQuery:
    required: tuple[AnyOf, ...] = ()
    excluded: tuple[Atom, ...] = field(default=())

    @property
    def atoms(self) -> tuple[Atom, ...]:
        return tuple(a for clause in self.required for a in clause.atoms) + self.excluded


@dataclass(frozen=True)
class _Token:
    kind: str  # "word", "phrase", "or"
    text: str
    position: int
    negated: bool = False
    prefix: bool = False


def split_words(text: str) -> list[str]:
    """Words as the engine will see them: letters and digits, in lower case."""
    out: list[str] = []
    current: list[str] = []
    for ch in text:
        if ch.isalnum():
            current.append(ch.lower())
        elif current:
            out.append("".join(current))
            current = []
    if current:
        out.append("".join(current))
    return out


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        start = i
        negated = False
        if ch == "-":
            negated = True
            i += 1
            if i >= n or text[i].isspace():
                raise QuerySyntaxError(start, "'-' must be followed by a word or a phrase")
            ch = text[i]
        if ch == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise QuerySyntaxError(i, "unclosed quote")
            tokens.append(_Token("phrase", text[i + 1 : end], start, negated))
            i = end + 1
            if i < n and text[i] == "*":
                raise QuerySyntaxError(i, "a phrase cannot end in '*'")
            continue
        while i < n and not text[i].isspace() and text[i] != '"':
            i += 1
        raw = text[start + (1 if negated else 0) : i]
        prefix = raw.endswith("*")
        stem = raw.rstrip("*")
        if "*" in stem or raw.count("*") > 1:
            raise QuerySyntaxError(start, "'*' may only end a word, once")
        if raw.lower() == "or" and not negated:
            tokens.append(_Token("or", raw, start))
        else:
            tokens.append(_Token("word", stem, start, negated, prefix))
    return tokens


def _atom(token: _Token) -> Atom | None:
    words = split_words(token.text)
    if token.kind == "phrase":
        if not words:
            raise QuerySyntaxError(token.position, "an empty phrase")
        if len(words) > MAX_PHRASE_WORDS:
            raise QuerySyntaxError(
                token.position, f"a phrase may have at most {MAX_PHRASE_WORDS} words"
            )
        return Word(words[0]) if len(words) == 1 else Phrase(tuple(words))
    if token.prefix:
        if len(words) != 1 or len(words[0]) < MIN_PREFIX:
            raise QuerySyntaxError(
                token.position, f"a prefix needs at least {MIN_PREFIX} letters or digits before '*'"
            )
        return Word(words[0][:MAX_WORD], prefix=True)
    if not words:
        return None  # punctuation only, e.g. "&": nothing to look for
    if len(words) == 1:
        return Word(words[0][:MAX_WORD])
    # "data-science", "node.js": the parts, next to each other.
    return Phrase(tuple(w[:MAX_WORD] for w in words[:MAX_PHRASE_WORDS]))


def parse_search_text(text: str) -> ParsedQuery:
    """Clauses of ``text``; raises :class:`QuerySyntaxError` for what means nothing."""
    tokens = _tokens(text)
    required: list[list[Atom]] = []
    excluded: list[Atom] = []
    pending_or: _Token | None = None
    last_was_positive = False
    for token in tokens:
        if token.kind == "or":
            if not last_was_positive or pending_or is not None:
                raise QuerySyntaxError(token.position, "'or' needs a word or phrase on each side")
            pending_or = token
            continue
        atom = _atom(token)
        if token.negated:
            if pending_or is not None:
                raise QuerySyntaxError(pending_or.position, "'or' cannot join an exclusion")
            if atom is not None:
                excluded.append(atom)
            last_was_positive = False
            continue
        if atom is None:
            if pending_or is not None:
                raise QuerySyntaxError(pending_or.position, "'or' needs a word on each side")
            continue
        if pending_or is not None:
            required[-1].append(atom)
            pending_or = None
        else:
            required.append([atom])
        last_was_positive = True
    if pending_or is not None:
        raise QuerySyntaxError(pending_or.position, "'or' needs a word or phrase on each side")
    if len(required) + len(excluded) > MAX_CLAUSES or sum(map(len, required)) > MAX_CLAUSES:
        raise QuerySyntaxError(0, f"at most {MAX_CLAUSES} words or phrases")
    if not required and not excluded:
        raise QuerySyntaxError(0, "no letters or digits to search for")
    return ParsedQuery(tuple(AnyOf(tuple(c)) for c in required), tuple(excluded))
