"""Stateful fuzzing of the purchase lifecycle against a running system (issue 19).

A Hypothesis state machine plays a provider, two learners and ops through create ->
publish -> buy -> pay -> complete -> refund (and cancel, and reading what is not
theirs), in random orders with random, often invalid, values. Every answer must be
below 500. Size: CREDMARKET_FUZZ_EXAMPLES runs of CREDMARKET_FUZZ_STEPS steps (5 x 25
by default, about a minute; `.ci/run` uses these).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from credmarket_infra.demo.stripe_js import (
    BROWSER_TEST_KEY,
    TEST_CARD_DECLINED,
    TEST_CARD_OK,
    confirm_card_payment,
)
from credmarket_testing.actors import Provider, new_learner
from credmarket_testing.system import System
from credmarket_testing.wait import wait_until_sync
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, rule, run_state_machine_as_test

pytestmark = [pytest.mark.abuse, pytest.mark.e2e]

EXAMPLES = int(os.environ.get("CREDMARKET_FUZZ_EXAMPLES", "5"))
STEPS = int(os.environ.get("CREDMARKET_FUZZ_STEPS", "25"))

# Mostly valid values, so runs reach the end of the lifecycle; the rest is abuse.
texts = st.text(max_size=40)
narratives = st.one_of(st.just("Final project passed."), st.just("Good work."), texts)
prices = st.sampled_from([0, 0, 0, 4900, 4900, 1, 99_999_999, 10**15, -1])
languages = st.sampled_from(["en", "en", "en", "de-AT", "en\n", "", "x" * 40])
good_scores = st.floats(min_value=0, max_value=100)
scores = st.one_of(
    good_scores,
    good_scores,
    good_scores,
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(),
)
amounts = st.one_of(st.none(), st.none(), st.integers(min_value=-10, max_value=10**13))


@dataclass
class World:
    """What the machine needs from the running system; built once per session."""

    gateway: str
    stripe_api_base: str
    provider: Provider
    ops: str
    learners: list[tuple[str, str]]  # (id, token)
    server_errors: list[str] = field(default_factory=list)
    # (method, path shape, status) -> count: shows how deep the runs got.
    seen: Counter[tuple[str, str, int]] = field(default_factory=Counter)


@dataclass(frozen=True)
class Bought:
    enrollment_id: str
    learner_token: str


def make_machine(world: World) -> type[RuleBasedStateMachine]:
    class PurchaseLifecycle(RuleBasedStateMachine):
        offerings = Bundle("offerings")
        enrollments = Bundle("enrollments")

        def __init__(self) -> None:
            super().__init__()
            self.http = httpx.Client(base_url=world.gateway, timeout=30)

        def teardown(self) -> None:
            self.http.close()

        def call(
            self,
            method: str,
            path: str,
            token: str,
            headers_extra: dict[str, str] | None = None,
            **kwargs: Any,
        ) -> httpx.Response:
            headers = {
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": str(uuid.uuid4()),
                **(headers_extra or {}),
            }
            response = self.http.request(method, path, headers=headers, **kwargs)
            shape = "/".join("{id}" if len(p) >= 32 else p for p in path.split("/"))
            world.seen[(method, shape, response.status_code)] += 1
            if response.status_code >= 500:
                world.server_errors.append(f"{method} {path} {kwargs}: {response.text[:300]}")
            assert response.status_code < 500, (method, path, kwargs, response.text)
            return response

        @rule(target=offerings, title=texts, price=prices, language=languages)
        def create_and_publish(self, title: str, price: int, language: str) -> Any:
            body = {
                "title": f"Fuzz {title}",
                "description": "A course made by a state machine.",
                "skills": ["fuzzing"],
                "level": "beginner",
                "duration_minutes": 60,
                "language": language,
                "price": {"amount": price, "currency": "EUR"},
                "achievement": {
                    "name": "Fuzzed",
                    "description": "Survived the machine.",
                    "criteria_narrative": "Finish.",
                },
            }
            token = world.provider.token
            draft = self.call("POST", "/catalog/v1/provider/offerings", token, json=body)
            if draft.status_code != 201:
                return None
            oid = draft.json()["id"]
            published = self.call("POST", f"/catalog/v1/provider/offerings/{oid}/publish", token)
            return published.json() if published.status_code == 200 else None

        @rule(target=enrollments, offering=offerings, who=st.integers(0, 1))
        def buy(self, offering: Any, who: int) -> Any:
            return self.purchase(offering, who)

        def purchase(self, offering: Any, who: int) -> Bought | None:
            if offering is None:
                return None
            _, token = world.learners[who]
            body = {"offering_id": offering["id"], "offering_version": offering["version"]}
            answers: list[httpx.Response] = []

            def listed() -> bool:
                answers.append(self.call("POST", "/enrollment/v1/enrollments", token, json=body))
                last = answers[-1]
                return not (
                    last.status_code == 404
                    or (last.status_code == 409 and "retry-after" in last.headers)
                )

            with contextlib.suppress(AssertionError):  # never listed: the run goes on without
                wait_until_sync(listed, timeout=10, interval=0.1)
            answer = answers[-1]
            if answer.status_code != 201:
                return None
            return Bought(answer.json()["id"], token)

        def view(self, bought: Bought) -> dict[str, Any]:
            answer = self.call(
                "GET", f"/enrollment/v1/enrollments/{bought.enrollment_id}", bought.learner_token
            )
            assert answer.status_code == 200, answer.text
            body: dict[str, Any] = answer.json()
            return body

        @rule(bought=enrollments, card=st.sampled_from([TEST_CARD_OK, TEST_CARD_DECLINED]))
        def pay(self, bought: Any, card: str) -> None:
            if bought is None:
                return
            views: list[dict[str, Any]] = []

            def payable_or_settled() -> bool:
                views.append(self.view(bought))
                last = views[-1]
                return last["status"] != "pending_payment" or bool(last["payment"]["client_secret"])

            with contextlib.suppress(AssertionError):  # no intent yet: nothing to pay this time
                wait_until_sync(payable_or_settled, timeout=10, interval=0.1)
            current = views[-1]
            secret = current["payment"]["client_secret"]
            if current["status"] != "pending_payment" or secret is None:
                return

            async def confirm() -> str:
                async with httpx.AsyncClient(timeout=30) as client:
                    return await confirm_card_payment(
                        client, world.stripe_api_base, BROWSER_TEST_KEY, secret, card
                    )

            asyncio.run(confirm())

        @rule(
            bought=enrollments,
            passed=st.sampled_from([True, True, True, False]),
            score=scores,
            narrative=narratives,
        )
        def complete(self, bought: Any, passed: bool, score: Any, narrative: str) -> None:
            if bought is None:
                return
            body = {"passed": passed, "score": score, "evidence_narrative": narrative}
            self.call(
                "POST",
                f"/enrollment/v1/enrollments/{bought.enrollment_id}/completion",
                world.provider.token,
                # NaN and Infinity are not JSON: sent as Python writes them, they must be 4xx.
                content=json.dumps(body).encode(),
                headers_extra={"Content-Type": "application/json"},
            )

        @rule(bought=enrollments, amount=amounts)
        def refund(self, bought: Any, amount: int | None) -> None:
            if bought is None:
                return
            payment_id = self.view(bought)["payment"]["payment_id"]
            if payment_id is None:
                return
            body = {} if amount is None else {"amount": amount}
            self.call("POST", f"/payments/v1/payments/{payment_id}/refunds", world.ops, json=body)

        @rule(target=enrollments, score=scores, amount=amounts)
        def whole_paid_purchase(self, score: Any, amount: int | None) -> Any:
            """The lifecycle end to end with a paid offering, fuzzing only its last steps."""
            offering = self.create_and_publish("paid", 4900, "en")
            bought = self.purchase(offering, 0)
            if bought is None:
                return None
            self.pay(bought, TEST_CARD_OK)
            with contextlib.suppress(AssertionError):  # declined or late: the fuzzing goes on
                wait_until_sync(
                    lambda: self.view(bought)["status"] == "active", timeout=20, interval=0.2
                )
            self.complete(bought, True, score, "Final project passed.")
            self.refund(bought, amount)
            return bought

        @rule(bought=enrollments)
        def cancel(self, bought: Any) -> None:
            if bought is not None:
                self.call(
                    "POST",
                    f"/enrollment/v1/enrollments/{bought.enrollment_id}/cancel",
                    bought.learner_token,
                )

        @rule(bought=enrollments, who=st.integers(0, 1))
        def read_as_someone(self, bought: Any, who: int) -> None:
            if bought is None:
                return
            _, token = world.learners[who]
            answer = self.call("GET", f"/enrollment/v1/enrollments/{bought.enrollment_id}", token)
            assert answer.status_code in (200, 404)

    return PurchaseLifecycle


async def test_the_purchase_lifecycle_never_answers_5xx(system: System, provider: Provider) -> None:
    learners = [new_learner(system) for _ in range(2)]
    world = World(
        gateway=system.gateway_url,
        stripe_api_base=system.stripe_api_base,
        provider=provider,
        ops=system.token("ops"),
        learners=[(learner.id, learner.token) for learner in learners],
    )
    machine = make_machine(world)
    fuzz_settings = settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    # Hypothesis drives a synchronous machine: off the event loop, which the system's
    # fixtures share.
    await asyncio.to_thread(run_state_machine_as_test, machine, settings=fuzz_settings)
    assert world.server_errors == []
    print("\n".join(f"{n:4} {m} {p} {status}" for (m, p, status), n in sorted(world.seen.items())))
    # The runs reached the end of the lifecycle, not only its refusals.
    reached = {(m, p, status) for (m, p, status) in world.seen}
    assert ("POST", "/enrollment/v1/enrollments", 201) in reached
    assert any(p.endswith("/completion") and status == 200 for _, p, status in reached)
    assert any(p.endswith("/refunds") for _, p, _ in reached)
