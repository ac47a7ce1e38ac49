"""Processed JSON-LD contexts reused across documents, keyed by immutable inputs.

pyld re-processes the OB 3.0 type- and property-scoped contexts for every
document: a non-propagating (type-scoped) context is applied to a fresh clone of
the active context, the clone gets a fresh ``_uuid``, and pyld's own
processed-context cache is keyed by that uuid, so it never hits. Processing them
is most of expansion, which is most of canonicalisation.

Context processing is a pure function of the active context, the local context,
the flags and the (static) loader. Here it is memoised only where the inputs
cannot change under the memo:

- the active context is a ``frozendict`` (pyld freezes every context it
  produces), held by the memo so its ``id`` cannot be reused;
- the local context is a URL string, a list of URL strings (compared by value),
  or an object inside a context document served by the loader (vendored, never
  mutated, kept alive by the loader) compared by identity. Anything a document
  supplies inline is processed as before, never remembered.

Results are stored only when they are frozen contexts; a hit returns the very
object a fresh run returned the first time, so pyld's own uuid-keyed caches then
hit as well.

Term expansion against a frozen context (``_expand_iri`` outside context
processing, vocabulary-relative: property names and types) is a pure function
of the context and the term too, and pyld repeats it for every property of
every document: it is memoised the same way, about 15 % of a canonicalisation.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from frozendict import frozendict
from pyld import jsonld

__all__ = ["ContextMemo", "MemoizingProcessor"]

_LocalKey = tuple[str, object]
_Key = tuple[int, _LocalKey, bool, bool, bool, object, object]
_TermKey = tuple[int, str, object]
# Terms come from documents, so anyone can add keys; past this many the map is
# simply emptied (the OB 3.0 credential and status list shapes need ~80).
_TERM_MEMO_SIZE = 4096
# ...and each key holds a term a caller wrote: longer ones (no context defines
# such terms) are expanded every time rather than kept.
_TERM_MEMO_MAX_LENGTH = 128


class ContextMemo:
    """A bounded LRU of processed contexts for one document loader.

    Bounded because active contexts built from a document's inline ``@context``
    are frozen too and land here as keys that will never be asked for again.
    """

    def __init__(self, is_static: Callable[[object], bool], maxsize: int) -> None:
        self._is_static = is_static
        self._maxsize = maxsize
        # key -> (active context, local context, result); the first two are kept
        # alive so the ids in the key keep naming the same objects.
        self._entries: OrderedDict[_Key, tuple[Any, Any, Any]] = OrderedDict()
        # (context id, term, base) -> (context, expanded IRI); the context is kept alive.
        self.terms: dict[_TermKey, tuple[Any, Any]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def key(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: dict[str, Any],
        flags: tuple[bool, bool, bool],
    ) -> _Key | None:
        """The memo key, or None when these inputs must not be memoised."""
        if not isinstance(active_ctx, frozendict):
            return None
        local_key = self._local_key(local_ctx)
        if local_key is None:
            return None
        return (
            id(active_ctx),
            local_key,
            *flags,
            options.get("base"),
            options.get("processingMode"),
        )

    def _local_key(self, local_ctx: Any) -> _LocalKey | None:
        if isinstance(local_ctx, str):
            return ("urls", (local_ctx,))
        if isinstance(local_ctx, list) and all(isinstance(c, str) for c in local_ctx):
            return ("urls", tuple(local_ctx))
        if isinstance(local_ctx, dict) and self._is_static(local_ctx):
            return ("static", id(local_ctx))
        return None

    def get(self, key: _Key) -> Any:
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        return entry[2]

    def put(self, key: _Key, active_ctx: Any, local_ctx: Any, result: Any) -> None:
        self._entries[key] = (active_ctx, local_ctx, result)
        self._entries.move_to_end(key)
        while len(self._entries) > self._maxsize:
            self._entries.popitem(last=False)


class MemoizingProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """pyld's processor with ``_process_context`` answered from a :class:`ContextMemo`."""

    def __init__(self, memo: ContextMemo, on_property_dropped: Callable[[Any], None]) -> None:
        super().__init__(on_property_dropped=on_property_dropped)
        self._memo = memo

    def _expand_iri(
        self,
        active_ctx: Any,
        value: Any,
        base: Any = None,
        vocab: bool = False,
        local_ctx: Any = None,
        defined: Any = None,
    ) -> Any:
        # With a local context pyld may define terms as a side effect; identifiers
        # (vocab=False) are mostly unique per document and would only fill the map.
        if (
            vocab
            and local_ctx is None
            and type(active_ctx) is frozendict
            and type(value) is str
            and len(value) <= _TERM_MEMO_MAX_LENGTH
        ):
            terms = self._memo.terms
            key = (id(active_ctx), value, base)
            hit = terms.get(key)
            if hit is not None:
                return hit[1]
            expanded = super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
            if len(terms) >= _TERM_MEMO_SIZE:
                terms.clear()
            terms[key] = (active_ctx, expanded)
            return expanded
        return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: dict[str, Any],
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: set[str] | None = None,
    ) -> Any:
        # ``cycles`` is only passed while pre-validating scoped contexts of a
        # context under construction; its active context is not frozen anyway.
        key = None
        if cycles is None:
            flags = (override_protected, propagate, validate_scoped)
            key = self._memo.key(active_ctx, local_ctx, options, flags)
        if key is not None:
            cached = self._memo.get(key)
            if cached is not None:
                return cached
        result = super()._process_context(
            active_ctx,
            local_ctx,
            options,
            override_protected=override_protected,
            propagate=propagate,
            validate_scoped=validate_scoped,
            cycles=cycles,
        )
        if key is not None and isinstance(result, frozendict):
            self._memo.put(key, active_ctx, local_ctx, result)
        return result
