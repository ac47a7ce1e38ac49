"""RDF Dataset Canonicalization (RDFC-1.0) of JSON-LD, refusing undefined terms.

JSON-LD silently drops any property whose name no context defines, and RDF
silently drops relative IRIs. Signing such a document would produce a proof
that does not cover what the JSON shows: a reader sees ``"grade": "A"`` that no
signature protects. So canonicalisation here is "safe mode": anything JSON-LD
would drop is an error, both when issuing and when verifying.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pyld import jsonld
from pyld.identifier_issuer import IdentifierIssuer

from issuance.credentials.context_memo import MemoizingProcessor
from issuance.credentials.document_loader import LocalDocumentLoader, default_loader

__all__ = ["UndefinedTermError", "canonicalize"]

# The VC 2.0 context maps unknown terms into this namespace in some published
# versions (@vocab); such terms are just as undefined as dropped ones.
_ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"
# Same test pyld uses to decide that an IRI survives into RDF.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*\Z")


class UndefinedTermError(ValueError):
    """The document uses terms or IRIs that its contexts do not define."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("JSON-LD would drop or not define: " + ", ".join(problems))
        self.problems = problems


def canonicalize(document: Mapping[str, Any], loader: LocalDocumentLoader | None = None) -> str:
    """Return the RDFC-1.0 canonical N-Quads of a JSON-LD ``document``.

    Contexts come only from ``loader`` (default: the vendored contexts). Raises
    :class:`UndefinedTermError` if any property, type or identifier would be
    dropped or land in the issuer-dependent vocabulary, and
    ``pyld.jsonld.JsonLdError`` for malformed JSON-LD, an unknown context or
    ``@import``.
    """
    # pyld resolves relative IRIs against http://example.org/base/ unless the
    # base is explicitly null; we want them left relative so they are caught.
    _refuse_import(document)
    loader = loader or default_loader()
    options = {**loader.options(), "base": None}
    dropped: list[str] = []

    def on_dropped(term: str | None) -> None:
        dropped.append(str(term))

    processor = MemoizingProcessor(loader.context_memo, on_property_dropped=on_dropped)
    expanded = processor.expand(dict(document), options)
    problems = [f"property {term!r}" for term in dropped]
    _collect_undefined(expanded, problems)
    if problems:
        raise UndefinedTermError(problems)
    # RDFC-1.0 is the W3C name of URDNA2015; their outputs are identical.
    return _urdna2015_of_expanded(processor, expanded, options)


def _urdna2015_of_expanded(
    processor: jsonld.JsonLdProcessor, expanded: Any, options: dict[str, Any]
) -> str:
    """``processor.normalize(expanded, …)`` without expanding the document a second time.

    pyld's ``normalize`` goes through ``to_rdf``, which expands its input again: a
    no-op on an already expanded document that cost as much as the first expansion
    (about a third of signing). These are ``to_rdf``'s remaining steps, verbatim:
    node map, RDF per graph (relative graph names skipped), then URDNA2015.
    """
    # The defaults normalize() and to_rdf() would have set.
    rdf_options = {
        "extractAllScripts": True,
        "processingMode": "json-ld-1.1",
        **options,
        "produceGeneralizedRdf": False,
    }
    issuer = IdentifierIssuer("_:b")
    node_map: dict[str, Any] = {"@default": {}}
    processor._create_node_map(expanded, node_map, "@default", issuer)
    dataset = {
        name: processor._graph_to_rdf(graph, issuer, rdf_options)
        for name, graph in sorted(node_map.items())
        if name == "@default" or jsonld._is_absolute_iri(name)
    }
    blank_nodes = {
        term["value"]
        for quads in dataset.values()
        for quad in quads
        for term in (quad["subject"], quad["object"])
        if term["type"] == "blank node"
    }
    if len(blank_nodes) > MAX_BLANK_NODES:
        raise _too_costly(f"{len(blank_nodes)} blank nodes (at most {MAX_BLANK_NODES})")
    nquads: str = _BoundedURDNA2015().main(
        dataset, {**rdf_options, "algorithm": "URDNA2015", "format": "application/n-quads"}
    )
    return nquads


# RDFC-1.0 is exponential in the worst case: blank nodes that look alike are told
# apart by trying every permutation of each group, recursively. The public verify
# endpoint canonicalises whatever is posted, so the work is bounded (the spec asks
# implementations to guard against such "poison" graphs). A credential's blank nodes
# (subject, results, evidence, ...) differ in their properties and never get here.
MAX_BLANK_NODES = 256
MAX_SIMILAR_BLANK_NODES = 6  # 6! = 720 permutations in one group at most
MAX_N_DEGREE_HASHES = 256


def _too_costly(why: str) -> jsonld.JsonLdError:
    return jsonld.JsonLdError(
        f"too costly to canonicalise: {why}", "credmarket.CanonicalizationLimit"
    )


class _BoundedURDNA2015(jsonld.URDNA2015):  # type: ignore[misc]
    """pyld's URDNA2015 with a work budget on the N-degree hashing of look-alikes."""

    def __init__(self) -> None:
        super().__init__()
        self._n_degree_hashes = 0

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        self._n_degree_hashes += 1
        if self._n_degree_hashes > MAX_N_DEGREE_HASHES:
            raise _too_costly(f"over {MAX_N_DEGREE_HASHES} N-degree hashes")
        return super().hash_n_degree_quads(id_, issuer)

    def create_hash_to_related(self, id_: str, issuer: Any) -> dict[str, list[str]]:
        related: dict[str, list[str]] = super().create_hash_to_related(id_, issuer)
        largest = max((len(group) for group in related.values()), default=0)
        if largest > MAX_SIMILAR_BLANK_NODES:
            raise _too_costly(f"{largest} indistinguishable related blank nodes")
        return related


def _refuse_import(node: Any) -> None:
    """Refuse JSON-LD 1.1 ``@import`` anywhere in the document.

    pyld merges an inline context into the *cached* document of the context it
    imports (``import_ctx.update(ctx)``) and caches that raw dict as the imported
    context's processed form: one document importing a vendored context changed
    or broke (KeyError 'mappings') every later canonicalisation in the process,
    signing included. No credential we know of needs @import.
    """
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            if "@import" in current:
                raise jsonld.JsonLdError(
                    "@import is not supported",
                    "jsonld.SyntaxError",
                    {"context": current},
                    code="invalid context entry",
                )
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def _collect_undefined(node: Any, problems: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _collect_undefined(item, problems)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "@type":
            types = value if isinstance(value, list) else [value]
            for type_iri in types:
                if isinstance(type_iri, str) and not _is_defined_iri(type_iri):
                    problems.append(f"type {type_iri!r}")
        elif key == "@id":
            if isinstance(value, str) and not _ABSOLUTE_IRI.match(value):
                problems.append(f"relative identifier {value!r}")
        elif key == "@value":
            continue
        elif not key.startswith("@") and key.startswith(_ISSUER_DEPENDENT):
            problems.append(f"property {key.removeprefix(_ISSUER_DEPENDENT)!r}")
            _collect_undefined(value, problems)
        else:
            _collect_undefined(value, problems)


def _is_defined_iri(iri: str) -> bool:
    if iri.startswith("@"):
        return True  # keywords such as @json
    return bool(_ABSOLUTE_IRI.match(iri)) and not iri.startswith(_ISSUER_DEPENDENT)
