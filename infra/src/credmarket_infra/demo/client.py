"""One HTTP client per actor of the marketplace: ops, a provider, a learner, a verifier."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from credmarket_infra.demo.routes import Routes


class UnexpectedAnswer(RuntimeError):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(
            f"{response.request.method} {response.request.url} -> {response.status_code}: "
            f"{response.text[:500]}"
        )
        self.response = response


def ok(response: httpx.Response, *expected: int) -> dict[str, Any]:
    if response.status_code not in (expected or (200,)):
        raise UnexpectedAnswer(response)
    body: dict[str, Any] = response.json()
    return body


@dataclass
class Marketplace:
    routes: Routes
    http: httpx.AsyncClient

    def _auth(self, token: str | None, **extra: str) -> dict[str, str]:
        headers = dict(extra)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    # --- ops -----------------------------------------------------------------------
    async def register_provider(self, ops_token: str, name: str, email: str) -> dict[str, Any]:
        response = await self.http.post(
            self.routes.url("catalog", "/v1/providers"),
            json={
                "name": name,
                "contact_email": email,
                "website": "https://academy.example",
                "description": f"{name} teaches short, practical courses.",
                "logo_url": "https://academy.example/logo.png",
            },
            headers=self._auth(ops_token, **{"Idempotency-Key": str(uuid.uuid4())}),
        )
        return ok(response, 201)

    async def refund(
        self, token: str, payment_id: str, amount: int | None = None
    ) -> dict[str, Any]:
        body = {} if amount is None else {"amount": amount}
        response = await self.http.post(
            self.routes.url("payments", f"/v1/payments/{payment_id}/refunds"),
            json=body,
            headers=self._auth(token, **{"Idempotency-Key": str(uuid.uuid4())}),
        )
        return ok(response, 201)

    # --- provider ------------------------------------------------------------------
    async def provider_token(self, api_key: str) -> str:
        response = await self.http.post(
            self.routes.url("catalog", "/v1/provider-tokens"), json={"api_key": api_key}
        )
        return str(ok(response)["access_token"])

    async def publish_offering(
        self,
        provider_token: str,
        title: str,
        price: int,
        currency: str = "EUR",
        skills: list[str] | None = None,
        valid_for_days: int | None = 730,
    ) -> dict[str, Any]:
        headers = self._auth(provider_token, **{"Idempotency-Key": str(uuid.uuid4())})
        draft = ok(
            await self.http.post(
                self.routes.url("catalog", "/v1/provider/offerings"),
                json={
                    "title": title,
                    "description": f"{title}: a short course with a graded final project.",
                    "skills": skills or ["python", "data"],
                    "level": "intermediate",
                    "duration_minutes": 600,
                    "language": "en",
                    "price": {"amount": price, "currency": currency},
                    "achievement": {
                        "name": f"{title} — Certified",
                        "description": f"Completed {title} and passed its final project.",
                        "criteria_narrative": "Pass the final project with at least 70%.",
                        "image_url": "https://academy.example/badges/badge.png",
                        "valid_for_days": valid_for_days,
                    },
                },
                headers=headers,
            ),
            201,
        )
        published = await self.http.post(
            self.routes.url("catalog", f"/v1/provider/offerings/{draft['id']}/publish"),
            headers=self._auth(provider_token, **{"Idempotency-Key": str(uuid.uuid4())}),
        )
        return ok(published, 200, 201)

    async def report_completion(
        self,
        provider_token: str,
        enrollment_id: str,
        *,
        passed: bool = True,
        score: float | None = 92.5,
    ) -> dict[str, Any]:
        response = await self.http.post(
            self.routes.url("enrollment", f"/v1/enrollments/{enrollment_id}/completion"),
            json={
                "passed": passed,
                "score": score,
                "evidence_narrative": "Final project: a cleaned and documented data pipeline.",
            },
            headers=self._auth(provider_token, **{"Idempotency-Key": str(uuid.uuid4())}),
        )
        return ok(response, 200, 201)

    # --- learner -------------------------------------------------------------------
    async def search(self, q: str, **filters: str) -> list[dict[str, Any]]:
        response = await self.http.get(
            self.routes.url("catalog", "/v1/offerings"), params={"q": q, **filters}
        )
        items: list[dict[str, Any]] = ok(response)["items"]
        return items

    async def purchase(
        self, learner_token: str, offering_id: str, version: int, idempotency_key: str | None = None
    ) -> httpx.Response:
        return await self.http.post(
            self.routes.url("enrollment", "/v1/enrollments"),
            json={"offering_id": offering_id, "offering_version": version},
            headers=self._auth(
                learner_token, **{"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
            ),
        )

    async def purchase_when_listed(
        self,
        learner_token: str,
        offering_id: str,
        version: int,
        timeout_s: float = 30.0,
    ) -> httpx.Response:
        """Buy, retrying while enrollment has not yet learned of the offering (version).

        Enrollment knows offerings only from catalog's events: until they arrive it
        answers 404 (unknown offering) or 409 with Retry-After (a newer version than it
        knows). Each try has a fresh Idempotency-Key, because those answers are stored
        under the key and replayed; a second live enrollment is impossible anyway (409).
        Returns the first other answer, or the last one at the deadline.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            response = await self.purchase(learner_token, offering_id, version)
            not_yet = response.status_code == 404 or (
                response.status_code == 409 and "Retry-After" in response.headers
            )
            if not not_yet or time.monotonic() > deadline:
                return response
            await asyncio.sleep(0.1)

    async def enrollment(self, token: str, enrollment_id: str) -> dict[str, Any]:
        response = await self.http.get(
            self.routes.url("enrollment", f"/v1/enrollments/{enrollment_id}"),
            headers=self._auth(token),
        )
        return ok(response)

    async def cancel(self, learner_token: str, enrollment_id: str) -> dict[str, Any]:
        response = await self.http.post(
            self.routes.url("enrollment", f"/v1/enrollments/{enrollment_id}/cancel"),
            headers=self._auth(learner_token, **{"Idempotency-Key": str(uuid.uuid4())}),
        )
        return ok(response)

    async def wait_for_enrollment(
        self,
        token: str,
        enrollment_id: str,
        done: Callable[[dict[str, Any]], bool],
        timeout_s: float = 30.0,
        what: str = "the enrollment to change",
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            view = await self.enrollment(token, enrollment_id)
            if done(view):
                return view
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {timeout_s}s for {what}; last: {view}")
            await asyncio.sleep(0.1)

    # --- anyone (public) -----------------------------------------------------------
    async def fetch_credential(self, credential_id: str) -> dict[str, Any]:
        """The signed credential (JSON-LD), from its public address."""
        return ok(await self.http.get(self.routes.url("issuance", f"/credentials/{credential_id}")))

    async def share_page(self, url: str) -> str:
        response = await self.http.get(url)
        if response.status_code != 200:
            raise UnexpectedAnswer(response)
        return response.text

    async def verify(self, credential: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.post(self.routes.url("issuance", "/v1/verify"), json=credential)
        return ok(response)
