"""The marketplace as its actors play it over HTTP: ops, a provider, a learner, Stripe.js and
a verifier (``credmarket_infra.demo``), and ``Flow``, one learner's purchase of one offering.

``PatientShop`` is the same actors riding out an outage as real clients do: a request
answered 5xx (or not at all) is repeated with the same Idempotency-Key, a page that does
not load is reloaded, Stripe.js retries while Stripe is away.
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from credmarket_infra.demo.client import Marketplace
from credmarket_infra.demo.routes import Routes
from credmarket_infra.demo.stripe_js import BROWSER_TEST_KEY, TEST_CARD_OK, confirm_card_payment

from credmarket_testing.stripe_probe import STRIPE_LOOKUP_KEY
from credmarket_testing.system import SERVICE_NAMES, System
from credmarket_testing.wait import wait_until

FLOW_TIMEOUT_S = 45.0
OUTAGE_FLOW_TIMEOUT_S = 240.0


@dataclass
class Provider:
    id: str
    token: str
    name: str


@dataclass
class Flow:
    """One learner's purchase of one offering, from request to credential."""

    provider: Provider
    offering: dict[str, Any]
    learner_id: str
    learner_token: str
    enrollment_id: str = ""
    client_secret: str = ""
    intent_id: str = ""
    payment_id: str = ""
    credential_id: str = ""

    @property
    def offering_id(self) -> str:
        return str(self.offering["id"])


class Shop:
    """The system as ops, providers, learners, Stripe.js and verifiers reach it."""

    def __init__(self, system: System, http: httpx.AsyncClient, enrollment_replica: int = 0):
        self.system = system
        self.http = http
        self.stripe_api_base = system.stripe_api_base
        self.ops = system.token("ops", str(uuid.uuid4()))
        services = {s: system.url(s) for s in SERVICE_NAMES}
        services["enrollment"] = system.url("enrollment", enrollment_replica)
        self.market = Marketplace(Routes(services=services), http)

    def at_enrollment_replica(self, replica: int) -> Shop:
        return Shop(self.system, self.http, enrollment_replica=replica)

    async def new_provider(self, name: str = "Fault Academy") -> Provider:
        label = f"{name} {uuid.uuid4().hex[:6]}"
        registered = await self.market.register_provider(
            self.ops, label, f"courses-{uuid.uuid4().hex[:8]}@academy.example"
        )
        token = await self.market.provider_token(registered["api_key"]["key"])
        return Provider(registered["provider"]["id"], token, label)

    async def new_offering(self, provider: Provider, price: int = 4900) -> dict[str, Any]:
        return await self.market.publish_offering(
            provider.token, f"Fault Tolerance {uuid.uuid4().hex[:6]}", price=price
        )

    def learner(self, provider: Provider, offering: dict[str, Any]) -> Flow:
        learner_id = str(uuid.uuid4())
        token = self.system.token(
            "learner", learner_id, email=f"learner-{learner_id[:8]}@example.org"
        )
        return Flow(provider, offering, learner_id, token)

    async def buy(self, flow: Flow) -> Flow:
        response = await self.market.purchase_when_listed(
            flow.learner_token, flow.offering_id, int(flow.offering["version"])
        )
        assert response.status_code == 201, response.text
        flow.enrollment_id = response.json()["id"]
        return flow

    async def wait(
        self, flow: Flow, what: str, done: Any, timeout_s: float = FLOW_TIMEOUT_S
    ) -> dict[str, Any]:
        try:
            return await self.market.wait_for_enrollment(
                flow.learner_token, flow.enrollment_id, done, timeout_s=timeout_s, what=what
            )
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.system.logs()}") from exc

    async def wait_initiated(self, flow: Flow) -> None:
        view = await self.wait(
            flow, "the PaymentIntent", lambda v: bool(v["payment"]["client_secret"])
        )
        flow.client_secret = view["payment"]["client_secret"]
        flow.intent_id = view["payment"]["stripe_payment_intent_id"]

    async def pay(self, flow: Flow) -> None:
        """Stripe.js confirms the intent with a good card."""
        status = await confirm_card_payment(
            self.http, self.stripe_api_base, BROWSER_TEST_KEY, flow.client_secret, TEST_CARD_OK
        )
        assert status == "succeeded", status

    async def wait_active(self, flow: Flow) -> None:
        view = await self.wait(flow, "activation", lambda v: v["status"] == "active")
        flow.payment_id = view["payment"]["payment_id"]

    async def complete(self, flow: Flow) -> None:
        await self.market.report_completion(flow.provider.token, flow.enrollment_id)

    async def wait_credential(self, flow: Flow) -> None:
        view = await self.wait(flow, "the credential", lambda v: bool(v["credential"]))
        flow.credential_id = view["credential"]["credential_id"]
        assert view["status"] == "completed", view

    async def verify(self, flow: Flow) -> dict[str, Any]:
        credential = await self.market.fetch_credential(flow.credential_id)
        return await self.market.verify(credential)

    async def purchase_paid(self, flow: Flow) -> Flow:
        """Buy and pay; returns once the enrollment is active."""
        await self.buy(flow)
        await self.wait_initiated(flow)
        await self.pay(flow)
        await self.wait_active(flow)
        return flow

    async def run_to_credential(self, flow: Flow) -> Flow:
        """The whole journey: buy, pay, complete, credential (a PatientShop rides out
        faults on the way)."""
        await self.purchase_paid(flow)
        await self.complete(flow)
        await self.wait_credential(flow)
        return flow

    async def fresh_flow(self) -> Flow:
        provider = await self.new_provider()
        return self.learner(provider, await self.new_offering(provider))


class PatientShop(Shop):
    """The actors as real clients ride out an outage: a request answered 5xx, or not at
    all, is repeated with the same Idempotency-Key; a page is reloaded until it loads;
    Stripe.js retries while Stripe is away."""

    answers_lost = 0

    async def _patiently(
        self, what: str, request: Callable[[], Any], timeout_s: float = OUTAGE_FLOW_TIMEOUT_S
    ) -> httpx.Response:
        answered: list[httpx.Response] = []
        last = "no answer"

        async def answers() -> bool:
            nonlocal last
            try:
                response: httpx.Response = await request()
            except httpx.TransportError as exc:
                last = repr(exc)
                return False
            if response.status_code >= 500:
                last = f"{response.status_code} {response.text[:200]}"
                return False
            answered.append(response)
            return True

        await wait_until(
            answers, timeout=timeout_s, interval=0.5, message=lambda: f"{what}: still {last}"
        )
        return answered[-1]

    async def buy(self, flow: Flow) -> Flow:
        answers: list[httpx.Response] = []

        async def listed() -> bool:
            # One purchase request, repeated with its key until answered; a new key for the
            # next try, since the answer is stored under this one.
            response = await self._patiently(
                "the purchase",
                functools.partial(
                    self.market.purchase,
                    flow.learner_token,
                    flow.offering_id,
                    int(flow.offering["version"]),
                    idempotency_key=str(uuid.uuid4()),
                ),
            )
            answers.append(response)
            return not (
                response.status_code == 404
                or (response.status_code == 409 and "Retry-After" in response.headers)
            )

        with contextlib.suppress(AssertionError):  # never listed: the answer below says so
            await wait_until(listed, timeout=OUTAGE_FLOW_TIMEOUT_S, interval=0.2)
        response = answers[-1]
        if response.status_code == 409 and response.json().get("enrollment_id"):
            # An attempt went through but its answer was lost (the database failed
            # between the purchase's commit and the recording of its answer): the
            # repeat is told which enrollment the learner has, as a frontend would be.
            flow.enrollment_id = response.json()["enrollment_id"]
            self.answers_lost += 1
            return flow
        assert response.status_code == 201, response.text
        flow.enrollment_id = response.json()["id"]
        return flow

    async def wait(
        self, flow: Flow, what: str, done: Any, timeout_s: float = OUTAGE_FLOW_TIMEOUT_S
    ) -> dict[str, Any]:
        url = self.market.routes.url("enrollment", f"/v1/enrollments/{flow.enrollment_id}")
        headers = {"Authorization": f"Bearer {flow.learner_token}"}
        view: dict[str, Any] = {}

        async def reached() -> bool:
            response = await self._patiently(
                what, lambda: self.http.get(url, headers=headers), timeout_s
            )
            assert response.status_code == 200, response.text
            view.clear()
            view.update(response.json())
            return bool(done(view))

        await wait_until(
            reached,
            timeout=timeout_s,
            interval=0.2,
            message=lambda: f"waited for {what}; last: {view}\n{self.system.logs()}",
        )
        return view

    async def pay(self, flow: Flow) -> None:
        async def paid() -> bool:
            try:
                await Shop.pay(self, flow)
            except httpx.HTTPStatusError as exc:
                if exc.response.status_code >= 500:
                    return False
                if await self._intent_succeeded(flow):
                    return True  # confirmed before Stripe went away; the answer was lost
                raise
            except httpx.TransportError:
                return False
            return True

        await wait_until(
            paid, timeout=OUTAGE_FLOW_TIMEOUT_S, interval=0.5, message="Stripe.js could not pay"
        )

    async def _intent_succeeded(self, flow: Flow) -> bool:
        response = await self.http.get(
            f"{self.stripe_api_base}/v1/payment_intents/{flow.intent_id}",
            headers={"Authorization": f"Bearer {STRIPE_LOOKUP_KEY}"},
        )
        return response.status_code == 200 and response.json()["status"] == "succeeded"

    async def complete(self, flow: Flow) -> None:
        key = str(uuid.uuid4())
        url = self.market.routes.url(
            "enrollment", f"/v1/enrollments/{flow.enrollment_id}/completion"
        )
        response = await self._patiently(
            "the completion report",
            lambda: self.http.post(
                url,
                json={
                    "passed": True,
                    "score": 92.5,
                    "evidence_narrative": "Final project: a documented data pipeline.",
                },
                headers={
                    "Authorization": f"Bearer {flow.provider.token}",
                    "Idempotency-Key": key,
                },
            ),
        )
        assert response.status_code in (200, 201), response.text
