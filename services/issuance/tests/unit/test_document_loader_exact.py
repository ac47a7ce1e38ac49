"""Context URLs are matched exactly: no spelling of a caller's makes a new cache entry."""

from __future__ import annotations

import pytest
from issuance.credentials.canonical import canonicalize
from issuance.credentials.document_loader import (
    VC_V2,
    LocalDocumentLoader,
    UnknownContextError,
    unknown_contexts,
)
from pyld.jsonld import JsonLdError


@pytest.mark.parametrize(
    "url", [f"{VC_V2}#x", f"{VC_V2}/", f"{VC_V2}?a", VC_V2.upper(), f" {VC_V2}", f"{VC_V2}\n"]
)
def test_look_alikes_of_a_vendored_context_are_unknown(url: str) -> None:
    loader = LocalDocumentLoader()
    assert not loader.knows(url)
    with pytest.raises(UnknownContextError):
        loader(url)
    assert loader._remote_docs == {}


def test_unknown_contexts_are_found_at_any_depth() -> None:
    document = {
        "@context": [VC_V2],
        "evidence": [{"@context": [f"{VC_V2}#a", VC_V2]}, {"@context": f"{VC_V2}#b"}],
    }
    assert sorted(unknown_contexts(document)) == [f"{VC_V2}#a", f"{VC_V2}#b"]
    assert unknown_contexts({"@context": [VC_V2, {"x": "https://e.example/x"}]}) == []


def test_inline_contexts_are_not_kept_between_documents() -> None:
    loader = LocalDocumentLoader()
    for i in range(20):
        document = {
            "@context": [VC_V2, {f"term{i}": f"https://e.example/{i}"}],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:i",
            "credentialSubject": {"id": "did:example:s", f"term{i}": "v"},
        }
        canonicalize(document, loader)
    # Only the vendored URL's processed context is shared; the inline ones are not.
    assert list(loader._resolved) == [VC_V2]


def test_a_fragment_context_fails_canonicalisation() -> None:
    document = {"@context": [f"{VC_V2}#frag"], "type": ["VerifiableCredential"]}
    with pytest.raises(JsonLdError):
        canonicalize(document, LocalDocumentLoader())
