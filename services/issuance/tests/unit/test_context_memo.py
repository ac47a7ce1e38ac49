"""The processed-context memo changes speed only: same N-Quads, same refusals."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import pytest
from issuance.credentials import context_memo
from issuance.credentials.canonical import UndefinedTermError, canonicalize
from issuance.credentials.document_loader import LocalDocumentLoader
from issuance.credentials.signing import hash_data
from pyld import jsonld


def _plain_pyld(document: dict[str, Any]) -> str:
    """Reference: pyld's own normalize, fresh loader, no memo."""
    options = {
        **LocalDocumentLoader().options(),
        "base": None,
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
    }
    nquads: str = jsonld.normalize(copy.deepcopy(document), options)
    return nquads


def _unsigned(credential: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in credential.items() if k != "proof"}


def _documents(issuer: Any) -> dict[str, dict[str, Any]]:
    credential = _unsigned(issuer.issue())
    other = _unsigned(issuer.issue(credential_id="urn:uuid:00000000-0000-4000-8000-000000000001"))
    inline = copy.deepcopy(credential)
    inline["@context"] = [*inline["@context"], {"grade": "https://example.org/terms#grade"}]
    inline["credentialSubject"]["grade"] = "A"
    proof = issuer.issue()["proof"][0]
    proof_config = {k: v for k, v in proof.items() if k != "proofValue"}
    proof_config["@context"] = credential["@context"]
    status = _unsigned(issuer.fetch_status_list(issuer.list_url))
    return {
        "credential": credential,
        "another credential": other,
        "inline context": inline,
        "proof configuration": proof_config,
        "status list": status,
    }


def test_warm_memo_output_equals_plain_pyld(issuer: Any) -> None:
    loader = LocalDocumentLoader()
    documents = _documents(issuer)
    for _ in range(2):  # the second round is answered from the memo
        for name, document in documents.items():
            assert canonicalize(document, loader) == _plain_pyld(document), name
    assert len(loader.context_memo) > 0


def test_second_credential_is_served_from_the_memo(issuer: Any) -> None:
    loader = LocalDocumentLoader()
    canonicalize(_unsigned(issuer.issue()), loader)
    size = len(loader.context_memo)
    other = _unsigned(issuer.issue(credential_id="urn:uuid:00000000-0000-4000-8000-00000000000f"))
    canonicalize(other, loader)
    assert len(loader.context_memo) == size


def test_inline_contexts_are_not_served_stale(issuer: Any) -> None:
    loader = LocalDocumentLoader()
    credential = _unsigned(issuer.issue())
    outputs = []
    for target in ("https://example.org/a#grade", "https://example.org/b#grade"):
        document = copy.deepcopy(credential)
        document["@context"] = [*document["@context"], {"grade": target}]
        document["credentialSubject"]["grade"] = "A"
        outputs.append(canonicalize(document, loader))
    assert "<https://example.org/a#grade>" in outputs[0]
    assert "<https://example.org/b#grade>" in outputs[1]


@pytest.mark.parametrize(
    "path",
    [
        ("credentialSubject",),
        ("credentialSubject", "achievement"),
        ("credentialSubject", "achievement", "criteria"),
    ],
)
def test_undefined_terms_are_refused_with_a_warm_memo(issuer: Any, path: tuple[str, ...]) -> None:
    loader = LocalDocumentLoader()
    credential = _unsigned(issuer.issue())
    canonicalize(credential, loader)
    tampered = copy.deepcopy(credential)
    node = tampered
    for key in path:
        node = node[key]
    node["grade"] = "A+"
    with pytest.raises(UndefinedTermError, match="grade"):
        canonicalize(tampered, loader)


def test_signature_hashes_equal_plain_pyld(issuer: Any) -> None:
    loader = LocalDocumentLoader()
    signed = issuer.issue()
    proof = {k: v for k, v in signed["proof"][0].items() if k != "proofValue"}
    unsigned = _unsigned(signed)
    hash_data(unsigned, proof, loader)  # warm
    config = {**proof, "@context": unsigned["@context"]}
    expected = (
        hashlib.sha256(_plain_pyld(config).encode()).digest()
        + hashlib.sha256(_plain_pyld(unsigned).encode()).digest()
    )
    assert hash_data(unsigned, proof, loader) == expected


def test_import_is_refused_and_cannot_poison_the_loader(issuer: Any) -> None:
    loader = LocalDocumentLoader()  # cold: nothing processed yet, as a fresh worker
    credential = _unsigned(issuer.issue())
    evil = {
        "@context": [{"@import": credential["@context"][0], "sneaky": "https://evil.example/s"}],
        "id": "urn:uuid:00000000-0000-4000-8000-0000000000ee",
        "sneaky": "x",
    }
    with pytest.raises(jsonld.JsonLdError, match="@import"):
        canonicalize(evil, loader)
    assert canonicalize(credential, loader) == _plain_pyld(credential)
    probe = copy.deepcopy(credential)
    probe["sneaky"] = "x"
    with pytest.raises(UndefinedTermError, match="sneaky"):
        canonicalize(probe, loader)


def test_term_memo_stays_bounded_and_exact(issuer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context_memo, "_TERM_MEMO_SIZE", 8)
    loader = LocalDocumentLoader()
    documents = list(_documents(issuer).values())
    for _ in range(2):
        for document in documents:
            assert canonicalize(document, loader) == _plain_pyld(document)
            assert len(loader.context_memo.terms) <= 8
