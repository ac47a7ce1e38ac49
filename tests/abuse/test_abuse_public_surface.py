"""Crafted requests against every public endpoint of a running system (issue 19).

Each service's resident memory may grow by less than 30 MB over the whole barrage, and
every answer is 2xx or 4xx: bad input is refused, never a 500, never a hoarded byte.
Run alone with `./dev test -m abuse`.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from credmarket_testing.memory import service_rss
from credmarket_testing.system import System

pytestmark = [pytest.mark.abuse, pytest.mark.e2e]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
MAX_GROWTH = 30 * 1024 * 1024
CONCURRENCY = 8
_PARAM = re.compile(r"\{([^}]+)\}")


def crafted_verify_body(document: dict[str, Any], n: int) -> bytes:
    """The issue's request: a real credential plus 300 evidence entries whose @context
    lists 11 never-seen-before fragment URLs each (about 195 KB)."""
    crafted = copy.deepcopy(document)
    crafted["evidence"] = [
        {
            "@context": [f"{VC_V2}#request-{n:03d}-entry-{i:03d}-{j:02d}" for j in range(11)],
            "type": ["Evidence"],
            "name": f"entry {i}",
        }
        for i in range(300)
    ]
    return json.dumps(crafted).encode()


async def _send_all(
    http: httpx.AsyncClient, requests: list[tuple[str, str, dict[str, Any]]]
) -> list[tuple[str, str, int]]:
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(method: str, url: str, kwargs: dict[str, Any]) -> tuple[str, str, int]:
        async with semaphore:
            response = await http.request(method, url, **kwargs)
            return method, url[:200], response.status_code

    return await asyncio.gather(*(one(m, u, k) for m, u, k in requests))


JUNK_STRINGS = [
    "",
    " ",
    "x" * 3000,
    "en\n",
    "\u0000",
    "%00",
    "../../etc/passwd",
    "😀" * 50,
    "\ud800",
    "-1",
    str(2**70),
    "1e400",
    "NaN",
    "[]",
    "{}",
    "null",
]


def _value_for(text: str) -> str:
    # httpx refuses lone surrogates in URLs: send them percent-encoded as raw bytes would be.
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


def crafted_requests(
    gateway: str, openapi: dict[str, Any]
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """A dozen malformed variants of every public operation in the gateway's reference."""
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or operation.get("x-credmarket-auth") not in (
                "public",
                "stripe-signature",
            ):
                continue
            if path.startswith("/gateway/upstreams"):
                continue  # internal readiness detail, tested in tests/gateway
            names = _PARAM.findall(path)
            queries = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
            for junk in JUNK_STRINGS:
                concrete = path
                for name in names:
                    segment = quote(junk.encode("utf-8", "surrogatepass"), safe="") or "x"
                    concrete = concrete.replace("{" + name + "}", segment)
                params = {q: _value_for(junk) for q in queries}
                kwargs: dict[str, Any] = {"params": params}
                if method in ("post", "put", "patch"):
                    kwargs["content"] = _body_for(junk)
                    kwargs["headers"] = {
                        "Content-Type": "application/json",
                        "Stripe-Signature": f"t=1,v1={_value_for(junk)[:64].encode().hex()}",
                    }
                yield method.upper(), f"{gateway}{concrete}", kwargs


def _body_for(junk: str) -> bytes:
    shapes = {
        "": b"",
        "[]": b"[" * 5000 + b"]" * 5000,
        "{}": json.dumps({"a": {"b": [1e308, -1e308, 2**70, None, True]}}).encode(),
        "null": b"null",
    }
    if junk in shapes:
        return shapes[junk]
    return json.dumps({"value": junk, "amount": junk, "api_key": junk, "reason": junk}).encode(
        "utf-8", "surrogatepass"
    )


async def test_crafted_requests_leave_memory_bounded_and_get_only_2xx_4xx(
    system: System, http: httpx.AsyncClient, issued: Any
) -> None:
    gateway = system.gateway_url
    # Warm up each kind of work once, so the baseline includes what any first request loads.
    warm = await http.post(f"{gateway}/issuance/v1/verify", json=issued.document)
    assert warm.status_code == 200, warm.text
    assert warm.json()["valid"] is True
    openapi = (await http.get(f"{gateway}/docs/openapi.json")).json()
    warmup = list(crafted_requests(gateway, openapi))
    await _send_all(http, warmup)
    before = service_rss(system)

    verify = [
        (
            "POST",
            f"{gateway}/issuance/v1/verify",
            {
                "content": crafted_verify_body(issued.document, n),
                "headers": {"Content-Type": "application/json"},
            },
        )
        for n in range(200)
    ]
    assert 150_000 < len(verify[0][2]["content"]) < 256 * 1024  # under the verify limit
    answers = await _send_all(http, verify)
    others = await _send_all(http, list(crafted_requests(gateway, openapi)) * 3)
    after = service_rss(system)

    wrong = [a for a in answers + others if not (200 <= a[2] < 500)]
    assert wrong == [], wrong[:20]
    assert {a[2] for a in answers} == {422}
    assert len(others) > 300, "the public reference lists too few operations to abuse"
    growth = {name: after[name] - before[name] for name in before}
    print("RSS before", before, "growth", growth)
    assert all(g < MAX_GROWTH for g in growth.values()), growth

    # And the legitimate credential still verifies afterwards.
    again = await http.post(f"{gateway}/issuance/v1/verify", json=issued.document)
    assert again.json()["valid"] is True
