"""did:web identifiers, URLs, documents and key lookup."""

from __future__ import annotations

import json

import pytest
from issuance.credentials import did_web
from issuance.credentials.keys import generate_private_key, public_key_bytes, public_key_multibase


def test_did_from_base_url_encodes_the_port() -> None:
    assert did_web.issuer_did("http://localhost:8004", "abc") == (
        "did:web:localhost%3A8004:issuers:abc"
    )
    assert did_web.issuer_did("https://credmarket.example/", "abc") == (
        "did:web:credmarket.example:issuers:abc"
    )
    assert did_web.issuer_did("https://example.com/api", "x") == (
        "did:web:example.com:api:issuers:x"
    )


def test_did_document_url() -> None:
    assert did_web.did_document_url("did:web:credmarket.example:issuers:abc") == (
        "https://credmarket.example/issuers/abc/did.json"
    )
    assert did_web.did_document_url("did:web:127.0.0.1%3A8004:issuers:abc") == (
        "http://127.0.0.1:8004/issuers/abc/did.json"
    )
    assert did_web.did_document_url("did:web:localhost%3A8004:issuers:a", scheme="https") == (
        "https://localhost:8004/issuers/a/did.json"
    )
    assert did_web.did_document_url("did:web:example.com") == (
        "https://example.com/.well-known/did.json"
    )


def test_document_lists_all_keys_and_resolves() -> None:
    did = did_web.issuer_did("http://127.0.0.1:8004", "abc")
    k1, k2 = generate_private_key(), generate_private_key()
    document = did_web.build_did_document(
        did,
        [
            did_web.IssuerKey("key-1", public_key_multibase(k1.public_key())),
            did_web.IssuerKey("key-2", public_key_multibase(k2.public_key())),
        ],
    )
    assert document["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
    ]
    assert document["assertionMethod"] == [f"{did}#key-1", f"{did}#key-2"]
    assert all(
        m["type"] == "Multikey" and m["controller"] == did for m in document["verificationMethod"]
    )
    web = {"http://127.0.0.1:8004/issuers/abc/did.json": json.dumps(document).encode()}
    resolved = did_web.resolve_did_web(did, web.__getitem__)
    key = did_web.assertion_public_key(resolved, f"{did}#key-1")
    assert public_key_bytes(key) == public_key_bytes(k1.public_key())


def test_did_document_is_valid_json_ld() -> None:
    from issuance.credentials.canonical import canonicalize

    did = did_web.issuer_did("https://x.example", "abc")
    key = generate_private_key().public_key()
    document = did_web.build_did_document(
        did, [did_web.IssuerKey("key-1", public_key_multibase(key))]
    )
    assert "publicKeyMultibase" in canonicalize(document)


def test_unlisted_or_foreign_key_is_refused() -> None:
    did = "did:web:x.example:issuers:a"
    key = public_key_multibase(generate_private_key().public_key())
    document = did_web.build_did_document(did, [did_web.IssuerKey("key-1", key)])
    document["verificationMethod"].append(
        {"id": f"{did}#key-2", "type": "Multikey", "controller": did, "publicKeyMultibase": key}
    )
    with pytest.raises(did_web.DidResolutionError, match="assertionMethod"):
        did_web.assertion_public_key(document, f"{did}#key-2")
    with pytest.raises(did_web.DidResolutionError, match="does not belong"):
        did_web.assertion_public_key(document, "did:web:evil.example#key-1")


def test_resolution_checks_the_document_id() -> None:
    did = "did:web:x.example:issuers:a"
    body = json.dumps({"id": "did:web:evil.example"}).encode()
    with pytest.raises(did_web.DidResolutionError):
        did_web.resolve_did_web(did, lambda _: body)
    with pytest.raises(did_web.DidResolutionError):
        did_web.resolve_did_web(did, lambda _: (_ for _ in ()).throw(OSError("down")))
