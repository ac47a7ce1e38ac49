"""The search index's shape: fields, analyzers, and one offering as one document.

Text is indexed twice: once folded (lower case, accents removed) for exact words,
phrases, prefixes and typos, once stemmed in the offering's own language, in a field
per language (``title_en``, ``description_de`` …), so "learners" finds "learning" in
an English offering and "Datenbanken" finds "Datenbank" in a German one, and each
language keeps its own term statistics. Filters, facets and sorts read columnar
("fast") fields. The whole public answer for an offering is stored with it, so a
search never touches the database.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import tantivy

FOLDED = "folded"
MAX_TOKEN = 40
# Languages with a Snowball stemmer, by primary subtag; others get the folded fields only.
STEMMERS: dict[str, str] = {
    "en": "english",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
    "sv": "swedish",
    "da": "danish",
    "no": "norwegian",
    "fi": "finnish",
}
# The order of relevance when a word is found in several places.
FIELD_BOOSTS: dict[str, float] = {
    "title": 4.0,
    "skills_text": 3.0,
    "provider": 2.0,
    "description": 1.0,
}
STEMMED_FIELDS = ("title", "description")
# For a search with constant-score parts (typos, prefixes), relevance is multiplied by
# log2(2 + nudge), nudge in [0, NUDGE): at most ~1.4 %, from the tie-break, so that
# offerings with equal scores get distinct, replica-independent scores and pages can be
# cut between them.
NUDGE = 0.02
# Bits of the tie-break kept below the primary sort key (see sort_keys()).
NEWEST_TIE_BITS = 21
PRICE_TIE_BITS = 29


def _analyzer(stemmer: str | None = None) -> tantivy.TextAnalyzer:
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
    )
    if stemmer is not None:
        builder = builder.filter(tantivy.Filter.stemmer(stemmer))
    return builder.build()


class Analyzers:
    """The analyzers, built once per process: the index and the queries share them."""

    def __init__(self) -> None:
        self.folded = _analyzer()
        self.stemmed = {lang: _analyzer(name) for lang, name in STEMMERS.items()}

    def fold(self, word: str) -> list[str]:
        return self.folded.analyze(word)

    def stem(self, lang: str, word: str) -> list[str]:
        return self.stemmed[lang].analyze(word)

    def register(self, index: tantivy.Index) -> None:
        index.register_tokenizer(FOLDED, self.folded)
        for lang, analyzer in self.stemmed.items():
            index.register_tokenizer(f"stem_{lang}", analyzer)


def stemmed_field(field: str, lang: str) -> str:
    return f"{field}_{lang}"


def build_schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("id", stored=True, tokenizer_name="raw")
    b.add_text_field("title", stored=True, tokenizer_name=FOLDED)
    b.add_text_field("description", stored=True, tokenizer_name=FOLDED)
    b.add_text_field("skills_text", tokenizer_name=FOLDED)
    b.add_text_field("provider", tokenizer_name=FOLDED)
    for lang in STEMMERS:
        for field in STEMMED_FIELDS:
            b.add_text_field(stemmed_field(field, lang), tokenizer_name=f"stem_{lang}")
    # Exact-value filters and facets.
    for name in ("skills", "provider_id", "language", "lang_base", "level", "currency"):
        b.add_text_field(name, tokenizer_name="raw", fast=True)
    b.add_integer_field("price", indexed=True, fast=True)
    b.add_integer_field("duration", indexed=True, fast=True)
    # Sorts: unique keys (primary value, then a tie-break from the id).
    for name in ("newest_key", "price_key", "tie"):
        b.add_unsigned_field(name, indexed=True, fast=True)
    b.add_float_field("nudge", fast=True)
    # The public answer, as JSON.
    b.add_bytes_field("view", stored=True)
    return b.build()


def tie_break(offering_id: UUID) -> int:
    """63 bits that every replica derives alike from the id: orders equal keys."""
    digest = hashlib.blake2b(offering_id.bytes, digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def sort_keys(offering_id: UUID, published_at: datetime, price: int) -> tuple[int, int, int]:
    """(newest key, price key, tie): each key is its value with low tie bits below it,
    so equal values (many offerings cost 49.00) still have distinct keys, and the
    rare equal key is ordered by the full tie."""
    tie = tie_break(offering_id)
    millis = max(0, int(published_at.timestamp() * 1000))
    newest = (millis << NEWEST_TIE_BITS) | (tie & ((1 << NEWEST_TIE_BITS) - 1))
    priced = (price << PRICE_TIE_BITS) | (tie & ((1 << PRICE_TIE_BITS) - 1))
    return newest, priced, tie


@dataclass(frozen=True)
class IndexedOffering:
    """What the index needs of one published offering."""

    id: UUID
    provider_id: UUID
    provider_name: str
    title: str
    description: str
    skills: tuple[str, ...]
    level: str | None
    language: str | None
    duration_minutes: int | None
    price_amount: int
    price_currency: str | None
    published_at: datetime
    view: dict[str, Any]


def language_base(tag: str | None) -> str | None:
    return tag.split("-", 1)[0].lower() if tag else None


def to_document(o: IndexedOffering) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("id", str(o.id))
    doc.add_text("title", o.title)
    doc.add_text("description", o.description)
    doc.add_text("skills_text", " ".join(o.skills))
    doc.add_text("provider", o.provider_name)
    base = language_base(o.language)
    if base in STEMMERS:
        doc.add_text(stemmed_field("title", base), o.title)
        doc.add_text(stemmed_field("description", base), o.description)
    for skill in o.skills:
        doc.add_text("skills", skill)
    doc.add_text("provider_id", str(o.provider_id))
    if o.language:
        doc.add_text("language", o.language)
    if base:
        doc.add_text("lang_base", base)
    if o.level:
        doc.add_text("level", o.level)
    if o.price_currency:
        doc.add_text("currency", o.price_currency)
    doc.add_integer("price", o.price_amount)
    if o.duration_minutes is not None:
        doc.add_integer("duration", o.duration_minutes)
    newest, priced, tie = sort_keys(o.id, o.published_at, o.price_amount)
    doc.add_unsigned("newest_key", newest)
    doc.add_unsigned("price_key", priced)
    doc.add_unsigned("tie", tie)
    doc.add_float("nudge", NUDGE * tie / 2**63)
    doc.add_bytes("view", json.dumps(o.view, separators=(",", ":")).encode())
    return doc
