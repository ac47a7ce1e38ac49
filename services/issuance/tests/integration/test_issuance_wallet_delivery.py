"""OpenID4VCI pre-authorized code flow, driven by an independent wallet (@openid4vc/openid4vci).

The issuance app is served over real HTTP (the wallet is a separate Node.js process) on the
real database and broker; refusals the library would never send are crafted here.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import base58
import httpx
import jwt
import pytest
import uvicorn
from credmarket_events.envelope import KafkaMessage
from credmarket_events.issuance import CredentialDeliveredV1
from credmarket_events.testing import assert_valid_event
from credmarket_events.topics import CREDENTIALS
from credmarket_testing.kafka import consume_all
from credmarket_testing.ports import free_port
from credmarket_testing.wait import wait_until
from credmarket_testing.wallet import run_wallet
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from issuance.actions.wallet_offers import NONCE_PURPOSE
from issuance.db.tables import Credential
from issuance.domain.oid4vci_metadata import PRE_AUTHORIZED_GRANT
from issuance.domain.wallet_offers import issue_nonce
from issuance.runtime import IssuanceRuntime

if TYPE_CHECKING:
    from conftest import Harness, IssueCredential, StartIssuance

pytestmark = pytest.mark.integration


@dataclasses.dataclass
class Served:
    h: Harness
    base: str
    http: httpx.AsyncClient

    @property
    def rt(self) -> IssuanceRuntime:
        rt = self.h.app.state.runtime
        assert isinstance(rt, IssuanceRuntime)
        return rt

    def shift_clock(self, by: timedelta) -> None:
        original = self.rt.clock
        shifted: Callable[[], Any] = lambda: original() + by  # noqa: E731
        self.h.app.state.runtime = dataclasses.replace(self.rt, clock=shifted)

    async def offer(self, credential: Credential, *, tx_code: bool = True) -> dict[str, Any]:
        learner = self.h.auth("learner", str(credential.learner_id))
        answer = await self.http.post(
            f"/v1/credentials/{credential.id}/wallet-offers",
            json={"tx_code": tx_code},
            headers=learner,
        )
        assert answer.status_code == 201, answer.text
        offer: dict[str, Any] = answer.json()
        return offer

    async def token(self, offer: dict[str, Any], tx_code: str | None = None) -> httpx.Response:
        grant = offer["credential_offer"]["grants"][PRE_AUTHORIZED_GRANT]
        form = {
            "grant_type": PRE_AUTHORIZED_GRANT,
            "pre-authorized_code": grant["pre-authorized_code"],
        }
        if tx_code is not None:
            form["tx_code"] = tx_code
        return await self.http.post("/oid4vci/token", data=form)

    async def credential_request(self, access_token: str, proof: str) -> httpx.Response:
        return await self.http.post(
            "/oid4vci/credential",
            json={
                "credential_configuration_id": "OpenBadgeCredential_ldp_vc",
                "proofs": {"jwt": [proof]},
            },
            headers={"Authorization": f"Bearer {access_token}"},
        )


@pytest.fixture
def serve(start_issuance: StartIssuance) -> Callable[[], Any]:
    @asynccontextmanager
    async def running() -> AsyncIterator[Served]:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        async with start_issuance(public_base_url=base) as h:
            server = uvicorn.Server(
                uvicorn.Config(h.app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
            )
            serving = asyncio.create_task(server.serve())
            try:
                await wait_until(
                    lambda: server.started, timeout=10, message="uvicorn did not start"
                )
                async with httpx.AsyncClient(base_url=base) as http:
                    yield Served(h, base, http)
            finally:
                server.should_exit = True
                await serving

    return running


class HolderKey:
    """A wallet key for crafted proofs (the refusals a real wallet library never sends)."""

    def __init__(self) -> None:
        self.private = Ed25519PrivateKey.generate()
        raw = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.did = "did:key:z" + base58.b58encode(b"\xed\x01" + raw).decode()

    def proof(
        self, *, aud: str, nonce: str, iat: float | None = None, kid: str | None = None
    ) -> str:
        return jwt.encode(
            {"aud": aud, "iat": int(iat if iat is not None else time.time()), "nonce": nonce},
            self.private,
            algorithm="EdDSA",
            headers={"typ": "openid4vci-proof+jwt", "kid": kid or f"{self.did}#{self.did[8:]}"},
        )


def _jwk_of(did: str) -> object:
    return json.loads(base64.urlsafe_b64decode(did.removeprefix("did:jwk:") + "=="))


def same_holder(one: str, other: str) -> bool:
    """The same DID; for did:jwk, the same key (JSON member order is the encoder's choice)."""
    if one.startswith("did:jwk:") and other.startswith("did:jwk:"):
        return bool(_jwk_of(one) == _jwk_of(other))
    return one == other


async def delivered_events(h: Harness, count: int) -> list[CredentialDeliveredV1]:
    records = await consume_all(
        h.settings.kafka_bootstrap, h.settings.topic(CREDENTIALS.name), count + 1, timeout=30
    )
    found = []
    for record in records:
        message = KafkaMessage(CREDENTIALS.name, record.key, record.value, list(record.headers))
        headers = dict(record.headers)
        if headers.get("ce_type") == CredentialDeliveredV1.event_type.encode():
            found.append(assert_valid_event(message, CredentialDeliveredV1).data)
    return found


@pytest.mark.parametrize(("binding", "alg"), [("did:key", "EdDSA"), ("jwk", "ES256")])
async def test_a_wallet_receives_a_credential_bound_to_its_key(
    serve: Callable[[], Any], issue_credential: IssueCredential, binding: str, alg: str
) -> None:
    async with serve() as s:
        credential = await issue_credential(s.h)
        offer = await s.offer(credential)
        assert offer["credential_offer_uri"].startswith(
            "openid-credential-offer://?credential_offer="
        )
        assert offer["qr_code"].startswith("data:image/svg+xml")
        assert len(offer["tx_code"]) == 6

        got = await run_wallet(
            offer=offer["credential_offer_uri"], txCode=offer["tx_code"], binding=binding, alg=alg
        )
        assert got["ok"] is True, got
        received = got["credential"]
        subject = received["credentialSubject"]["id"]
        assert same_holder(subject, got["holder"]), (subject, got["holder"])
        assert subject.startswith("did:key:z" if binding == "did:key" else "did:jwk:")
        assert received["id"] != credential.document["id"]
        assert (
            received["credentialStatus"]["statusListIndex"]
            != (credential.document["credentialStatus"]["statusListIndex"])
        )
        assert (
            received["credentialSubject"]["achievement"]
            == (credential.document["credentialSubject"]["achievement"])
        )
        report = (await s.http.post("/v1/verify", json=received)).json()
        assert report["valid"] is True, report

        # Used once: the same offer gives nothing more.
        again = await run_wallet(offer=offer["credential_offer_uri"], txCode=offer["tx_code"])
        assert again["ok"] is False
        assert again["stage"] == "token"
        assert "invalid_grant" in str(again)

        (event,) = await delivered_events(s.h, 1)
        assert event.credential_id == credential.id
        assert event.channel == "openid4vci"
        assert event.holder_id == subject
        assert str(event.delivered_credential_id) == received["id"].removeprefix("urn:uuid:")

        # The copy shares the credential's fate.
        ops = s.h.auth("ops", str(uuid.uuid4()))
        revoked = await s.http.post(
            f"/v1/credentials/{credential.id}/revoke", json={"reason": "refunded"}, headers=ops
        )
        assert revoked.status_code == 200, revoked.text
        after = (await s.http.post("/v1/verify", json=received)).json()
        assert after["status"] == "revoked", after


async def test_wrong_transaction_codes_lock_the_offer(
    serve: Callable[[], Any], issue_credential: IssueCredential
) -> None:
    async with serve() as s:
        credential = await issue_credential(s.h)
        offer = await s.offer(credential)
        wrong = "000000" if offer["tx_code"] != "000000" else "111111"
        got = await run_wallet(offer=offer["credential_offer_uri"], txCode=wrong)
        assert got["ok"] is False
        assert "wrong transaction code" in str(got)
        missing = await s.token(offer)
        assert missing.json()["error"] == "invalid_grant"
        for _ in range(4):
            assert (await s.token(offer, wrong)).json()["error"] == "invalid_grant"
        locked = await s.token(offer, offer["tx_code"])
        assert locked.status_code == 400
        assert "too many" in locked.json()["error_description"]


async def test_an_expired_offer_is_refused(
    serve: Callable[[], Any], issue_credential: IssueCredential
) -> None:
    async with serve() as s:
        credential = await issue_credential(s.h)
        offer = await s.offer(credential, tx_code=False)
        assert offer["tx_code"] is None
        s.shift_clock(timedelta(minutes=11))
        got = await run_wallet(offer=offer["credential_offer_uri"])
        assert got["ok"] is False
        assert "expired" in str(got)


async def test_bad_proofs_are_refused(
    serve: Callable[[], Any], issue_credential: IssueCredential
) -> None:
    async with serve() as s:
        credential = await issue_credential(s.h)
        key = HolderKey()
        nonce_key = s.rt.derived_secret(NONCE_PURPOSE)

        async def fresh_token() -> str:
            offer = await s.offer(credential, tx_code=False)
            answer = await s.token(offer)
            assert answer.status_code == 200, answer.text
            assert answer.headers["cache-control"] == "no-store"
            return str(answer.json()["access_token"])

        async def nonce() -> str:
            answer = await s.http.post("/oid4vci/nonce")
            return str(answer.json()["c_nonce"])

        async def refused(proof: str, token: str) -> str:
            answer = await s.credential_request(token, proof)
            assert answer.status_code == 400, answer.text
            return str(answer.json()["error"])

        token = await fresh_token()
        stale = issue_nonce(nonce_key, s.rt.clock() - timedelta(minutes=6))
        assert await refused(key.proof(aud=s.base, nonce=stale), token) == "invalid_nonce"
        forged = (await nonce())[:-4] + "abcd"
        assert await refused(key.proof(aud=s.base, nonce=forged), token) == "invalid_nonce"
        other = HolderKey()
        signed_by_other = other.proof(aud=s.base, nonce=await nonce(), kid=f"{key.did}#x")
        assert await refused(signed_by_other, token) == "invalid_proof"
        assert (
            await refused(key.proof(aud="https://elsewhere.example", nonce=await nonce()), token)
            == "invalid_proof"
        )
        old = key.proof(aud=s.base, nonce=await nonce(), iat=time.time() - 3600)
        assert await refused(old, token) == "invalid_proof"

        used_nonce = await nonce()
        ok = await s.credential_request(token, key.proof(aud=s.base, nonce=used_nonce))
        assert ok.status_code == 200, ok.text
        assert ok.json()["credentials"][0]["credential"]["credentialSubject"]["id"] == key.did
        # The token bought one credential; a second request with it is refused.
        again = await s.credential_request(token, key.proof(aud=s.base, nonce=await nonce()))
        assert again.status_code == 401
        assert again.json()["error"] == "invalid_token"
        assert "invalid_token" in again.headers["www-authenticate"]
        # A nonce spends once, whatever token comes with it.
        replayed = key.proof(aud=s.base, nonce=used_nonce)
        assert await refused(replayed, await fresh_token()) == "invalid_nonce"

        unknown = await s.credential_request(
            "not-a-token", key.proof(aud=s.base, nonce=await nonce())
        )
        assert unknown.status_code == 401


async def test_only_the_learner_may_offer_their_credential(
    serve: Callable[[], Any], issue_credential: IssueCredential
) -> None:
    async with serve() as s:
        credential = await issue_credential(s.h)
        path = f"/v1/credentials/{credential.id}/wallet-offers"
        stranger = s.h.auth("learner", str(uuid.uuid4()))
        assert (await s.http.post(path, json={}, headers=stranger)).status_code == 404
        provider = s.h.auth("provider", str(credential.issuer_id))
        assert (await s.http.post(path, json={}, headers=provider)).status_code == 403
        assert (await s.http.post(path, json={})).status_code == 401
        learner = s.h.auth("learner", str(credential.learner_id))
        for _ in range(5):
            assert (await s.http.post(path, json={}, headers=learner)).status_code == 201
        too_many = await s.http.post(path, json={}, headers=learner)
        assert too_many.status_code == 429
        assert too_many.headers["content-type"] == "application/problem+json"


async def test_metadata_describes_the_ob3_credential(serve: Callable[[], Any]) -> None:
    async with serve() as s:
        issuer = (await s.http.get("/.well-known/openid-credential-issuer")).json()
        assert issuer["credential_issuer"] == s.base
        config = issuer["credential_configurations_supported"]["OpenBadgeCredential_ldp_vc"]
        assert config["format"] == "ldp_vc"
        assert config["credential_signing_alg_values_supported"] == ["eddsa-rdfc-2022"]
        assert "OpenBadgeCredential" in config["credential_definition"]["type"]
        server = (await s.http.get("/.well-known/oauth-authorization-server")).json()
        assert server["token_endpoint"] == f"{s.base}/oid4vci/token"
        assert PRE_AUTHORIZED_GRANT in server["grant_types_supported"]
