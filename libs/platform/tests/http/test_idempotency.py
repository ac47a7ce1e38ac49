"""Idempotency-Key on a real PostgreSQL database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from credmarket_platform.auth import Principal, TokenVerifier, TrustedIssuer, mint_token, require
from credmarket_platform.db import Database, platform_metadata
from credmarket_platform.db.tables import idempotency_keys
from credmarket_platform.http.app_factory import create_service_app
from credmarket_platform.http.idempotency import IdempotencyStore, idempotency_key
from credmarket_platform.http.problems import ProblemError
from credmarket_platform.settings import ServiceSettings
from fastapi import APIRouter, FastAPI, Response
from pydantic import BaseModel

pytestmark = pytest.mark.integration

SECRET = "idempotency-test-secret-0123456789abcdef"
effects_metadata = sa.MetaData()
effects = sa.Table(
    "effects",
    effects_metadata,
    sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("subject", sa.String, nullable=False),
    sa.Column("item", sa.String, nullable=False),
)


class Order(BaseModel):
    item: str


stock_arrived = asyncio.Event()


def _router(db: Database, gate: asyncio.Event) -> APIRouter:
    router = APIRouter()

    @router.post("/orders", status_code=201)
    async def place(
        order: Order,
        response: Response,
        principal: Principal = require("learner"),
        key: str | None = idempotency_key(required=True),
    ) -> dict[str, object]:
        await gate.wait()
        if order.item == "forbidden":
            raise ProblemError(409, "Not available", "This item can't be ordered.")
        if order.item == "not yet" and not stock_arrived.is_set():
            raise ProblemError(409, "Not yet", "Ask again shortly.", headers={"Retry-After": "1"})
        if order.item == "crash":
            raise RuntimeError("handler crashed")
        async with db.unit_of_work() as uow:
            result = await uow.session.execute(
                sa.insert(effects)
                .values(subject=principal.subject, item=order.item)
                .returning(effects.c.id)
            )
            order_id = result.scalar_one()
            await uow.commit()
        response.headers["Location"] = f"/orders/{order_id}"
        return {"id": order_id, "item": order.item}

    @router.post("/notes", status_code=201)
    async def note(
        order: Order,
        principal: Principal = require("learner"),
        key: str | None = idempotency_key(required=False),
    ) -> dict[str, object]:
        return {"key": key}

    return router


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(platform_metadata.create_all)
        await conn.run_sync(effects_metadata.create_all)
    yield database
    await database.dispose()


@pytest.fixture
def gate() -> asyncio.Event:
    event = asyncio.Event()
    event.set()
    return event


@pytest.fixture
async def app(db: Database, gate: asyncio.Event) -> FastAPI:
    verifier = TokenVerifier(
        [TrustedIssuer("credmarket-dev", hs256_secret=SECRET.encode())], audience="credmarket"
    )
    return create_service_app(
        ServiceSettings(),
        title="t",
        version="1",
        routers=[_router(db, gate)],
        token_verifier=verifier,
        idempotency_store=IdempotencyStore(db.engine, in_flight_timeout=timedelta(minutes=5)),
        configure_logs=False,
    )


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as c:
        yield c


@pytest.fixture
def headers() -> Callable[..., dict[str, str]]:
    def make(key: str | None = "k-1", subject: str = "learner-1") -> dict[str, str]:
        token = mint_token(subject, "learner", issuer="credmarket-dev", secret=SECRET)
        out = {"Authorization": f"Bearer {token}"}
        if key is not None:
            out["Idempotency-Key"] = key
        return out

    return make


async def _effect_count(db: Database) -> int:
    async with db.engine.connect() as conn:
        count = await conn.execute(sa.select(sa.func.count()).select_from(effects))
        return int(count.scalar_one())


async def test_a_retry_replays_the_first_answer_without_a_second_effect(
    client: httpx.AsyncClient, db: Database, headers: Callable[..., dict[str, str]]
) -> None:
    first = await client.post("/orders", json={"item": "a"}, headers=headers())
    again = await client.post("/orders", json={"item": "a"}, headers=headers())
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["content-type"] == "application/json"
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await _effect_count(db) == 1


async def test_the_same_key_with_another_body_is_422(
    client: httpx.AsyncClient, db: Database, headers: Callable[..., dict[str, str]]
) -> None:
    await client.post("/orders", json={"item": "a"}, headers=headers())
    response = await client.post("/orders", json={"item": "b"}, headers=headers())
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:credmarket:problem:idempotency-key-reused"
    assert await _effect_count(db) == 1


async def test_a_missing_key_is_400_when_required_and_fine_when_optional(
    client: httpx.AsyncClient, db: Database, headers: Callable[..., dict[str, str]]
) -> None:
    response = await client.post("/orders", json={"item": "a"}, headers=headers(key=None))
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert await _effect_count(db) == 0
    optional = await client.post("/notes", json={"item": "a"}, headers=headers(key=None))
    assert optional.status_code == 201
    assert optional.json() == {"key": None}


@pytest.mark.parametrize("bad_key", ["", "x" * 201, "caf\u00e9", "tab\there"])
async def test_malformed_keys_are_400(
    client: httpx.AsyncClient, headers: Callable[..., dict[str, str]], bad_key: str
) -> None:
    raw: list[tuple[bytes, bytes]] = [
        (k.encode(), v.encode()) for k, v in headers(key=None).items()
    ]
    # Raw bytes, so that httpx sends what a misbehaving client would (non-ASCII included).
    raw.append((b"Idempotency-Key", bad_key.encode()))
    response = await client.post("/orders", json={"item": "a"}, headers=raw)
    assert response.status_code == 400


async def test_keys_are_scoped_per_principal(
    client: httpx.AsyncClient, db: Database, headers: Callable[..., dict[str, str]]
) -> None:
    alice = await client.post("/orders", json={"item": "a"}, headers=headers(subject="alice"))
    bob = await client.post("/orders", json={"item": "a"}, headers=headers(subject="bob"))
    assert alice.status_code == bob.status_code == 201
    assert alice.json()["id"] != bob.json()["id"]
    assert "idempotent-replayed" not in bob.headers
    assert await _effect_count(db) == 2


async def test_concurrent_duplicates_have_one_effect(
    client: httpx.AsyncClient,
    db: Database,
    gate: asyncio.Event,
    headers: Callable[..., dict[str, str]],
) -> None:
    gate.clear()
    requests = [
        asyncio.create_task(client.post("/orders", json={"item": "a"}, headers=headers()))
        for _ in range(5)
    ]
    # The winner holds its claim at the gate; the four others must be answered meanwhile
    # (a second winner would wait at the gate too, and this would time out).
    pending: set[asyncio.Task[httpx.Response]] = set(requests)
    async with asyncio.timeout(60):
        while len(pending) > 1:
            _done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    gate.set()
    responses = await asyncio.gather(*requests)
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1
    assert statuses.count(409) == 4
    conflict = next(r for r in responses if r.status_code == 409)
    assert conflict.headers["content-type"] == "application/problem+json"
    assert conflict.headers["retry-after"] == "1"
    after = await client.post("/orders", json={"item": "a"}, headers=headers())
    assert after.headers["idempotent-replayed"] == "true"
    assert await _effect_count(db) == 1


async def test_4xx_answers_are_stored_and_replayed(
    client: httpx.AsyncClient, db: Database, headers: Callable[..., dict[str, str]]
) -> None:
    first = await client.post("/orders", json={"item": "forbidden"}, headers=headers())
    again = await client.post("/orders", json={"item": "forbidden"}, headers=headers())
    assert first.status_code == again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()


async def test_an_answer_saying_retry_after_is_not_stored_so_the_retry_can_succeed(
    client: httpx.AsyncClient, db: Database, headers: Callable[..., dict[str, str]]
) -> None:
    stock_arrived.clear()
    early = await client.post("/orders", json={"item": "not yet"}, headers=headers())
    assert early.status_code == 409
    assert early.headers["retry-after"] == "1"
    stock_arrived.set()
    later = await client.post("/orders", json={"item": "not yet"}, headers=headers())
    assert later.status_code == 201
    assert "idempotent-replayed" not in later.headers
    replayed = await client.post("/orders", json={"item": "not yet"}, headers=headers())
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json() == later.json()


async def test_5xx_is_not_stored_so_a_retry_can_succeed(
    client: httpx.AsyncClient, db: Database, headers: Callable[..., dict[str, str]]
) -> None:
    crashed = await client.post("/orders", json={"item": "crash"}, headers=headers())
    assert crashed.status_code == 500
    async with db.engine.connect() as conn:
        rows = (await conn.execute(sa.select(idempotency_keys.c.status_code))).all()
    assert [r.status_code for r in rows] == [None]  # no answer stored
    retried = await client.post("/orders", json={"item": "crash"}, headers=headers())
    assert retried.status_code == 500
    assert "idempotent-replayed" not in retried.headers


async def test_after_a_5xx_the_key_still_names_its_request(
    client: httpx.AsyncClient, db: Database, headers: Callable[..., dict[str, str]]
) -> None:
    """The failed attempt may have had effects: another request may not take its key."""
    crashed = await client.post("/orders", json={"item": "crash"}, headers=headers())
    assert crashed.status_code == 500
    other = await client.post("/orders", json={"item": "a"}, headers=headers())
    assert other.status_code == 422
    assert other.json()["type"] == "urn:credmarket:problem:idempotency-key-reused"
    assert await _effect_count(db) == 0


async def test_a_stale_in_flight_claim_is_taken_over(
    client: httpx.AsyncClient, db: Database, headers: Callable[..., dict[str, str]]
) -> None:
    import json

    from credmarket_platform.http.idempotency import request_fingerprint

    body = json.dumps({"item": "a"}).encode()
    async with db.engine.begin() as conn:
        await conn.execute(
            sa.insert(idempotency_keys).values(
                principal="learner-1",
                key="k-1",
                method="POST",
                path="/orders",
                request_hash=request_fingerprint("POST", "/orders", "", body),
                created_at=sa.func.now() - sa.text("interval '1 hour'"),
            )
        )
    response = await client.post(
        "/orders", content=body, headers={**headers(), "content-type": "application/json"}
    )
    assert response.status_code == 201
    assert await _effect_count(db) == 1


async def test_unauthenticated_requests_do_not_burn_the_key(
    client: httpx.AsyncClient, db: Database, headers: Callable[..., dict[str, str]]
) -> None:
    anonymous = await client.post("/orders", json={"item": "a"}, headers={"Idempotency-Key": "k-1"})
    assert anonymous.status_code == 401
    ok = await client.post("/orders", json={"item": "a"}, headers=headers())
    assert ok.status_code == 201


async def test_keys_are_scoped_by_issuer_and_canonical_subject(
    db: Database, gate: asyncio.Event
) -> None:
    # Issue 19: the scope was the raw `sub`; two issuers' "42" shared keys, while one
    # learner's UUID in two spellings did not.
    verifier = TokenVerifier(
        [
            TrustedIssuer("idp-a", hs256_secret=SECRET.encode()),
            TrustedIssuer("idp-b", hs256_secret=SECRET.encode()),
        ],
        audience="credmarket",
    )
    app = create_service_app(
        ServiceSettings(),
        title="t",
        version="1",
        routers=[_router(db, gate)],
        token_verifier=verifier,
        idempotency_store=IdempotencyStore(db.engine, in_flight_timeout=timedelta(minutes=5)),
        configure_logs=False,
    )

    def as_(issuer: str, subject: str) -> dict[str, str]:
        token = mint_token(subject, "learner", issuer=issuer, secret=SECRET)
        return {"Authorization": f"Bearer {token}", "Idempotency-Key": "same-key"}

    learner = "5b0c6a0e-9d53-4d6f-8f0e-2f9c1c7e4a11"
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        a = await client.post("/orders", json={"item": "a"}, headers=as_("idp-a", "42"))
        b = await client.post("/orders", json={"item": "a"}, headers=as_("idp-b", "42"))
        assert a.json()["id"] != b.json()["id"]
        lower = await client.post("/orders", json={"item": "a"}, headers=as_("idp-a", learner))
        upper = await client.post(
            "/orders", json={"item": "a"}, headers=as_("idp-a", learner.upper())
        )
        assert upper.headers.get("idempotent-replayed") == "true"
        assert upper.json()["id"] == lower.json()["id"]
    assert await _effect_count(db) == 3
