"""Verification against a JWKS served over real HTTP, including key rotation."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from credmarket_platform.auth import (
    JwksKeySet,
    KeysUnavailable,
    TokenRejected,
    TokenVerifier,
    TrustedIssuer,
    build_jwks,
    mint_token,
)
from credmarket_testing.wait import wait_until
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ISSUER = "https://idp.test"


@dataclass
class JwksServer:
    url: str
    document: dict[str, Any] = field(default_factory=lambda: {"keys": []})
    fetches: int = 0
    failing: bool = False


@pytest.fixture
async def jwks_server() -> AsyncIterator[JwksServer]:
    state = JwksServer(url="")

    async def jwks(_: Request) -> Response:
        state.fetches += 1
        if state.failing:
            return Response(status_code=503)
        return JSONResponse(state.document)

    app = Starlette(routes=[Route("/.well-known/jwks.json", jwks)])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    # uvicorn offers no started event.
    await wait_until(lambda: server.started, timeout=10, interval=0.01, message="not serving")
    state.url = f"http://127.0.0.1:{port}/.well-known/jwks.json"
    yield state
    server.should_exit = True
    await task
    sock.close()


def _verifier(url: str, *, min_refetch: float = 0.0) -> TokenVerifier:
    keys = JwksKeySet(url, ttl=300, min_refetch_interval=min_refetch)
    return TokenVerifier([TrustedIssuer(ISSUER, jwks=keys)], audience="credmarket")


@pytest.mark.parametrize(
    "private_key",
    [
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ec.generate_private_key(ec.SECP256R1()),
        ed25519.Ed25519PrivateKey.generate(),
    ],
    ids=["RS256", "ES256", "EdDSA"],
)
async def test_tokens_verify_with_keys_from_a_served_jwks(
    jwks_server: JwksServer, private_key: Any
) -> None:
    jwks_server.document = build_jwks([("k1", private_key)])
    verifier = _verifier(jwks_server.url)
    token = mint_token("prov-1", "provider", issuer=ISSUER, private_key=private_key, kid="k1")
    principal = await verifier.verify(token)
    assert (principal.subject, principal.role, principal.issuer) == ("prov-1", "provider", ISSUER)
    # Cached: a second token needs no second fetch.
    await verifier.verify(token)
    assert jwks_server.fetches == 1
    await verifier.aclose()


async def test_an_unknown_kid_triggers_a_refetch_so_rotation_just_works(
    jwks_server: JwksServer,
) -> None:
    old = ec.generate_private_key(ec.SECP256R1())
    new = ec.generate_private_key(ec.SECP256R1())
    jwks_server.document = build_jwks([("old", old)])
    verifier = _verifier(jwks_server.url)
    await verifier.verify(mint_token("u", "ops", issuer=ISSUER, private_key=old, kid="old"))

    jwks_server.document = build_jwks([("old", old), ("new", new)])
    principal = await verifier.verify(
        mint_token("u", "ops", issuer=ISSUER, private_key=new, kid="new")
    )
    assert principal.role == "ops"
    assert jwks_server.fetches == 2
    await verifier.aclose()


async def test_unknown_kids_refetch_at_most_once_per_interval(jwks_server: JwksServer) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    jwks_server.document = build_jwks([("k1", key)])
    verifier = _verifier(jwks_server.url, min_refetch=60)
    for i in range(5):
        forged = mint_token("u", "ops", issuer=ISSUER, private_key=key, kid=f"made-up-{i}")
        with pytest.raises(TokenRejected, match="unknown key"):
            await verifier.verify(forged)
    assert jwks_server.fetches == 1
    await verifier.aclose()


async def test_a_token_signed_by_a_key_not_in_the_jwks_is_rejected(
    jwks_server: JwksServer,
) -> None:
    published = ec.generate_private_key(ec.SECP256R1())
    attacker = ec.generate_private_key(ec.SECP256R1())
    jwks_server.document = build_jwks([("k1", published)])
    verifier = _verifier(jwks_server.url)
    with pytest.raises(TokenRejected, match="signature"):
        await verifier.verify(mint_token("u", "ops", issuer=ISSUER, private_key=attacker, kid="k1"))
    await verifier.aclose()


async def test_hs256_token_for_a_jwks_issuer_is_rejected(jwks_server: JwksServer) -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks_server.document = build_jwks([("k1", rsa_key)])
    verifier = _verifier(jwks_server.url)
    # The classic confusion: HMAC "signed" with the public key material.
    token = mint_token("u", "ops", issuer=ISSUER, secret="x" * 40, kid="k1")
    with pytest.raises(TokenRejected, match="algorithm"):
        await verifier.verify(token)
    await verifier.aclose()


async def test_unreachable_jwks_means_keys_unavailable_not_a_bad_token(
    jwks_server: JwksServer,
) -> None:
    jwks_server.failing = True
    verifier = _verifier(jwks_server.url)
    key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(KeysUnavailable):
        await verifier.verify(mint_token("u", "ops", issuer=ISSUER, private_key=key, kid="k1"))
    await verifier.aclose()


async def test_keys_stay_usable_when_a_refetch_fails(jwks_server: JwksServer) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    jwks_server.document = build_jwks([("k1", key)])
    keys = JwksKeySet(jwks_server.url, ttl=0, min_refetch_interval=0)
    verifier = TokenVerifier([TrustedIssuer(ISSUER, jwks=keys)], audience="credmarket")
    token = mint_token("u", "ops", issuer=ISSUER, private_key=key, kid="k1")
    await verifier.verify(token)
    jwks_server.failing = True
    assert (await verifier.verify(token)).subject == "u"
    assert jwks_server.fetches == 2
    await verifier.aclose()


async def test_jwks_fetch_with_mock_transport_uses_the_given_client() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    document = build_jwks([("k1", key)])
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=document))
    async with httpx.AsyncClient(transport=transport) as client:
        keys = JwksKeySet("https://idp.test/jwks", client=client)
        jwk = await keys.key_for("k1")
        assert jwk.algorithm_name == "EdDSA"


def test_build_jwks_publishes_only_public_material() -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    document = build_jwks([("r", rsa_key), ("e", ec_key.public_key())])
    by_kid = {k["kid"]: k for k in document["keys"]}
    assert by_kid["r"]["alg"] == "RS256"
    assert by_kid["e"]["alg"] == "ES256"
    assert all(k["use"] == "sig" for k in document["keys"])
    assert "d" not in by_kid["r"]
    assert "d" not in by_kid["e"]


async def test_concurrent_first_requests_wait_for_the_fetch_in_flight(
    jwks_server: JwksServer,
) -> None:
    # A fresh replica gets a burst of requests before its keys arrive: they must all
    # wait for the one fetch, not be refused because a fetch "just happened".
    key = ec.generate_private_key(ec.SECP256R1())
    jwks_server.document = build_jwks([("k1", key)])
    verifier = _verifier(jwks_server.url, min_refetch=30)
    token = mint_token("prov-1", "provider", issuer=ISSUER, private_key=key, kid="k1")
    principals = await asyncio.gather(*(verifier.verify(token) for _ in range(8)))
    assert [p.subject for p in principals] == ["prov-1"] * 8
    assert jwks_server.fetches == 1
    await verifier.aclose()
