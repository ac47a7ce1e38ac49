"""Canonicalisation refuses graphs that would take exponential work (poison graphs)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from issuance.credentials import canonical
from issuance.credentials.canonical import canonicalize
from pyld.jsonld import JsonLdError

P = "http://example.com/p"


def clique(n: int) -> dict[str, list[dict[str, Any]]]:
    """n blank nodes, each pointing at every other: all alike to RDFC-1.0."""
    quads = [
        {
            "subject": {"type": "blank node", "value": f"_:n{a}"},
            "predicate": {"type": "IRI", "value": P},
            "object": {"type": "blank node", "value": f"_:n{b}"},
        }
        for a in range(n)
        for b in range(n)
        if a != b
    ]
    return {"@default": quads}


def canonical_nquads(dataset: dict[str, Any]) -> str:
    options = {"algorithm": "URDNA2015", "format": "application/n-quads"}
    result: str = canonical._BoundedURDNA2015().main(dataset, options)
    return result


def test_a_small_clique_is_canonicalised() -> None:
    nquads = canonical_nquads(clique(4))
    assert nquads.count("\n") == 12
    assert "_:c14n0" in nquads


def test_a_large_clique_is_refused_quickly() -> None:
    started = time.monotonic()
    with pytest.raises(JsonLdError, match="too costly"):
        canonical_nquads(clique(9))  # unbounded: 9! permutations per node, recursively
    assert time.monotonic() - started < 5


def test_too_many_blank_nodes_are_refused() -> None:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": [
            {"name": f"subject {i}"} for i in range(canonical.MAX_BLANK_NODES + 1)
        ],
    }
    with pytest.raises(JsonLdError, match="blank nodes"):
        canonicalize(document)
