"""Providers and their API keys through the HTTP API."""

from typing import Any

import httpx
import jwt
import pytest


async def test_ops_registers_a_provider_and_gets_a_key_once(
    client: httpx.AsyncClient, ops: dict[str, str], kit: Any
) -> None:
    body = await kit.register()
    assert body["provider"]["name"] == "Example Academy"
    assert body["api_key"]["key"].startswith(f"cmk_{body['api_key']['prefix']}_")
    listed = await client.get(f"/v1/providers/{body['provider']['id']}/api-keys", headers=ops)
    assert listed.status_code == 200
    assert [k["prefix"] for k in listed.json()["items"]] == [body["api_key"]["prefix"]]
    assert "key" not in listed.json()["items"][0]
    assert listed.json()["next_cursor"] is None


async def test_registration_is_idempotent_and_the_secret_is_not_stored_in_clear(
    client: httpx.AsyncClient, ops: dict[str, str], app: Any, kit: Any
) -> None:
    headers = {**ops, "Idempotency-Key": "register-1"}
    first = await client.post("/v1/providers", json=kit.provider_body(), headers=headers)
    again = await client.post("/v1/providers", json=kit.provider_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    db = app.state.runtime.db
    async with db.engine.connect() as conn:
        import sqlalchemy as sa

        stored = (await conn.execute(sa.text("SELECT response_body FROM idempotency_keys"))).all()
    assert len(stored) == 1
    assert first.json()["api_key"]["key"].encode() not in bytes(stored[0][0])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"contact_email": "not-an-email"}, "body.contact_email"),
        ({"website": "academy.example"}, "body.website"),
        ({"name": ""}, "body.name"),
        ({"description": "nul\u0000"}, "body.description"),
    ],
)
async def test_invalid_registration_is_422_and_writes_nothing(
    client: httpx.AsyncClient, ops: dict[str, str], change: dict[str, Any], field: str, kit: Any
) -> None:
    response = await client.post("/v1/providers", json=kit.provider_body(**change), headers=ops)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_registration_needs_ops(client: httpx.AsyncClient, kit: Any) -> None:
    assert (await client.post("/v1/providers", json=kit.provider_body())).status_code == 401
    learner = kit.dev_token("learner")
    response = await client.post("/v1/providers", json=kit.provider_body(), headers=learner)
    assert response.status_code == 403
    assert response.json()["status"] == 403


async def test_api_key_exchange_gives_a_provider_token(
    client: httpx.AsyncClient, provider: dict[str, Any]
) -> None:
    response = await client.post("/v1/provider-tokens", json={"api_key": provider["key"]})
    assert response.status_code == 200
    token = response.json()["access_token"]
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert header["alg"] == "ES256"
    assert claims["sub"] == provider["id"]
    assert claims["role"] == "provider"
    assert claims["iss"] == "credmarket-catalog"
    assert claims["aud"] == "credmarket"
    assert 0 < claims["exp"] - claims["iat"] <= 900
    jwks = (await client.get("/.well-known/jwks.json")).json()
    key = jwt.PyJWKSet.from_dict(jwks)[header["kid"]]
    verified = jwt.decode(token, key, algorithms=["ES256"], audience="credmarket")
    assert verified["sub"] == provider["id"]


@pytest.mark.parametrize("bad", ["", "cmk_nope", "cmk_abcdefgh_" + "A" * 43])
async def test_bad_api_keys_are_401(client: httpx.AsyncClient, bad: str) -> None:
    response = await client.post("/v1/provider-tokens", json={"api_key": bad})
    assert response.status_code == 401
    assert response.json()["detail"] == "the API key is invalid, revoked or expired"


async def test_a_wrong_secret_with_a_real_prefix_is_401(
    client: httpx.AsyncClient, provider: dict[str, Any]
) -> None:
    forged = provider["key"][:-4] + ("AAAA" if not provider["key"].endswith("AAAA") else "BBBB")
    assert (await client.post("/v1/provider-tokens", json={"api_key": forged})).status_code == 401


async def test_rotation_with_grace_then_revocation(
    client: httpx.AsyncClient, provider: dict[str, Any], kit: Any
) -> None:
    pid, headers = provider["id"], provider["headers"]
    rotated = await client.post(
        f"/v1/providers/{pid}/api-keys",
        json={"replaces": provider["key_id"], "grace_period_s": 3600},
        headers=headers,
    )
    assert rotated.status_code == 201
    new_key = rotated.json()["key"]
    statuses = {
        k["id"]: k["status"]
        for k in (await client.get(f"/v1/providers/{pid}/api-keys", headers=headers)).json()[
            "items"
        ]
    }
    assert statuses == {provider["key_id"]: "expiring", rotated.json()["id"]: "active"}
    # During the grace period both keys work.
    await kit.provider_headers(provider["key"])
    await kit.provider_headers(new_key)
    revoked = await client.delete(
        f"/v1/providers/{pid}/api-keys/{provider['key_id']}", headers=headers
    )
    assert revoked.status_code == 204
    old = await client.post("/v1/provider-tokens", json={"api_key": provider["key"]})
    assert old.status_code == 401
    again = await client.post(
        f"/v1/providers/{pid}/api-keys",
        json={"replaces": provider["key_id"]},
        headers=headers,
    )
    assert again.status_code == 409


async def test_rotation_without_grace_revokes_the_old_key(
    client: httpx.AsyncClient, provider: dict[str, Any]
) -> None:
    response = await client.post(
        f"/v1/providers/{provider['id']}/api-keys",
        json={"replaces": provider["key_id"]},
        headers=provider["headers"],
    )
    assert response.status_code == 201
    old = await client.post("/v1/provider-tokens", json={"api_key": provider["key"]})
    assert old.status_code == 401


async def test_a_provider_cannot_touch_another_providers_keys(
    client: httpx.AsyncClient, ops: dict[str, str], provider: dict[str, Any], kit: Any
) -> None:
    other = await kit.register(name="Other School")
    oid = other["provider"]["id"]
    headers = provider["headers"]
    assert (await client.get(f"/v1/providers/{oid}/api-keys", headers=headers)).status_code == 403
    response = await client.post(f"/v1/providers/{oid}/api-keys", json={}, headers=headers)
    assert response.status_code == 403
    response = await client.delete(
        f"/v1/providers/{oid}/api-keys/{other['api_key']['id']}", headers=headers
    )
    assert response.status_code == 403
    assert (
        await client.post("/v1/provider-tokens", json={"api_key": other["api_key"]["key"]})
    ).status_code == 200


async def test_unknown_key_is_404(client: httpx.AsyncClient, provider: dict[str, Any]) -> None:
    missing = "00000000-0000-7000-8000-000000000000"
    path = f"/v1/providers/{provider['id']}/api-keys/{missing}"
    assert (await client.delete(path, headers=provider["headers"])).status_code == 404


async def test_profile_updates_by_self_and_ops(
    client: httpx.AsyncClient, ops: dict[str, str], provider: dict[str, Any]
) -> None:
    path = f"/v1/providers/{provider['id']}"
    mine = await client.patch(path, json={"name": "Renamed Academy"}, headers=provider["headers"])
    assert mine.status_code == 200
    assert mine.json()["name"] == "Renamed Academy"
    by_ops = await client.patch(path, json={"website": None}, headers=ops)
    assert by_ops.status_code == 200
    assert by_ops.json()["website"] is None
    public = (await client.get(path)).json()
    assert public["name"] == "Renamed Academy"
    assert public["contact_email"] is None
    assert (await client.get(path, headers=ops)).json()[
        "contact_email"
    ] == "courses@academy.example"


async def test_profile_update_refusals(
    client: httpx.AsyncClient, ops: dict[str, str], provider: dict[str, Any], kit: Any
) -> None:
    path = f"/v1/providers/{provider['id']}"
    assert (await client.patch(path, json={"name": "x"})).status_code == 401
    learner = kit.dev_token("learner")
    assert (await client.patch(path, json={"name": "x"}, headers=learner)).status_code == 403
    other = await kit.register(name="Other School")
    other_path = f"/v1/providers/{other['provider']['id']}"
    response = await client.patch(other_path, json={"name": "x"}, headers=provider["headers"])
    assert response.status_code == 403
    response = await client.patch(path, json={"name": None}, headers=provider["headers"])
    assert response.status_code == 422
    response = await client.patch(path, json={"logo_url": "nope"}, headers=provider["headers"])
    assert response.status_code == 422
    assert (await client.get(path)).json()["name"] == "Example Academy"


async def test_signing_key_rotation_keeps_old_tokens_valid(
    client: httpx.AsyncClient, ops: dict[str, str], provider: dict[str, Any], kit: Any
) -> None:
    old_headers = provider["headers"]
    rotated = await client.post("/v1/signing-keys", headers=ops)
    assert rotated.status_code == 201
    jwks = (await client.get("/.well-known/jwks.json")).json()
    assert len(jwks["keys"]) == 2
    new_headers = await kit.provider_headers(provider["key"])
    new_kid = jwt.get_unverified_header(new_headers["Authorization"].split()[1])["kid"]
    assert new_kid == rotated.json()["kid"]
    for headers in (old_headers, new_headers):
        response = await client.get("/v1/provider/offerings", headers=headers)
        assert response.status_code == 200, response.text
    assert (await client.post("/v1/signing-keys", headers=provider["headers"])).status_code == 403
