"""Rate limits where abuse is cheap: 429 + Retry-After + problem+json, then recovery.

The system's gateway runs with tight limits (conftest.TEST_LIMITS) so that the
buckets empty in a few requests and refill within seconds.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import httpx
import pytest
from credmarket_testing.system import System
from credmarket_testing.wait import wait_until

pytestmark = pytest.mark.integration

Send = Callable[[], Awaitable[httpx.Response]]


async def _until_limited(send: Send, attempts: int = 20) -> tuple[list[int], httpx.Response]:
    seen: list[int] = []
    for _ in range(attempts):
        response = await send()
        seen.append(response.status_code)
        if response.status_code == 429:
            return seen, response
    raise AssertionError(f"never limited in {attempts} requests: {seen}")


def _assert_problem_429(response: httpx.Response) -> int:
    assert response.status_code == 429
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 429
    assert problem["type"] == "urn:credmarket:problem:rate-limited"
    retry_after = int(response.headers["retry-after"])
    assert retry_after >= 1
    assert response.headers.get("x-request-id")
    return retry_after


async def _recovers(send: Send, retry_after: int) -> httpx.Response:
    last: list[httpx.Response] = []

    async def allowed_again() -> bool:
        last.append(await send())
        return last[-1].status_code != 429

    await wait_until(allowed_again, timeout=retry_after + 5, interval=0.25, message="still limited")
    return last[-1]


async def test_provider_token_guessing_is_limited_per_address(
    system: System, http: httpx.AsyncClient
) -> None:
    async def guess() -> httpx.Response:
        return await http.post(
            f"{system.gateway_url}/catalog/v1/provider-tokens",
            json={"api_key": f"cmk_{uuid.uuid4().hex[:8]}_{uuid.uuid4().hex}"},
        )

    seen, limited = await _until_limited(guess)
    # burst 2 (nodelay): the first requests reach catalog and are refused by it.
    assert seen[0] in (401, 422), seen
    retry_after = _assert_problem_429(limited)
    after = await _recovers(guess, retry_after)
    assert after.status_code in (401, 422)


async def test_purchases_are_limited_per_learner_token(
    system: System, http: httpx.AsyncClient
) -> None:
    greedy = system.token("learner")
    other = system.token("learner")

    def buy(token: str) -> Send:
        async def send() -> httpx.Response:
            return await http.post(
                f"{system.gateway_url}/enrollment/v1/enrollments",
                json={"offering_id": str(uuid.uuid4()), "offering_version": 1},
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
            )

        return send

    seen, limited = await _until_limited(buy(greedy))
    assert seen[0] != 429
    retry_after = _assert_problem_429(limited)

    # Another learner is not held back by the first one's bucket...
    assert (await buy(other)()).status_code != 429
    # ...and reading is not limited at all.
    listing = await http.get(
        f"{system.gateway_url}/enrollment/v1/enrollments",
        headers={"Authorization": f"Bearer {greedy}"},
    )
    assert listing.status_code == 200, listing.text

    after = await _recovers(buy(greedy), retry_after)
    assert after.status_code not in (429, 500)


async def test_public_verify_is_limited_per_address(
    system: System, http: httpx.AsyncClient
) -> None:
    async def verify() -> httpx.Response:
        return await http.post(f"{system.gateway_url}/issuance/v1/verify", json={"not": "a vc"})

    seen, limited = await _until_limited(verify)
    assert seen[0] != 429
    retry_after = _assert_problem_429(limited)
    # A baked badge is verified from the same budget: no second door around the limit.
    baked = await http.post(
        f"{system.gateway_url}/issuance/v1/verify/baked",
        content=b"\x89PNG\r\n\x1a\n",
        headers={"Content-Type": "image/png"},
    )
    assert baked.status_code == 429
    after = await _recovers(verify, retry_after)
    assert after.status_code != 429


async def test_preflight_does_not_spend_the_budget(system: System, http: httpx.AsyncClient) -> None:
    for _ in range(10):
        preflight = await http.options(
            f"{system.gateway_url}/catalog/v1/provider-tokens",
            headers={"Origin": "http://anywhere.example", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status_code == 204
