"""Nothing lost, nothing done twice: what every service recorded and emitted for a set of
purchases, read from each service's own database, Stripe, and the dead-letter topics."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiokafka.structs import ConsumerRecord
from credmarket_events.enrollment import (
    EnrollmentActivatedV1,
    EnrollmentCancelledV1,
    EnrollmentCompletedV1,
    EnrollmentRequestedV1,
    RefundRequestedV1,
)
from credmarket_events.issuance import CredentialIssuedV1
from credmarket_events.payments import PaymentInitiatedV1, PaymentRefundedV1, PaymentSucceededV1
from credmarket_events.topics import dead_letter_topic

from credmarket_testing.kafka import read_topics
from credmarket_testing.shop import Flow
from credmarket_testing.stripe_probe import stripe_intents_for, stripe_refunds_of
from credmarket_testing.system import SERVICE_NAMES, System
from credmarket_testing.wait import wait_until

# Every consumer group of the system, by its unprefixed name (issuance runs two).
CONSUMER_GROUPS = ("enrollment", "payments", "issuance", "issuance-providers")


def dead_letter_topics(system: System) -> list[str]:
    return [dead_letter_topic(system.topic_prefix + g) for g in CONSUMER_GROUPS]


def header(record: ConsumerRecord[Any, Any], name: str) -> str | None:
    for key, value in record.headers or []:
        if key == name:
            return bytes(value).decode("utf-8", "replace")
    return None


class DeadLetters:
    """The system's dead-letter topics, one per consumer group, read as ops would."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.topics = dead_letter_topics(system)

    async def read(self) -> list[ConsumerRecord[Any, Any]]:
        return await read_topics(self.system.infra.kafka_bootstrap, self.topics)

    @staticmethod
    def header(record: ConsumerRecord[Any, Any], name: str) -> str | None:
        return header(record, name)


_OUTBOX_OF = """
    SELECT event_id, event_type, key, sent_at,
           convert_from(value, 'UTF8')::jsonb ->> 'enrollment_id' AS enrollment_id
    FROM outbox
    WHERE convert_from(value, 'UTF8')::jsonb ->> 'enrollment_id' = ANY($1::text[])
"""

T_REQUESTED = EnrollmentRequestedV1.event_type
T_ACTIVATED = EnrollmentActivatedV1.event_type
T_COMPLETED = EnrollmentCompletedV1.event_type
T_CANCELLED = EnrollmentCancelledV1.event_type
T_REFUND_REQUESTED = RefundRequestedV1.event_type
T_INITIATED = PaymentInitiatedV1.event_type
T_SUCCEEDED = PaymentSucceededV1.event_type
T_REFUNDED = PaymentRefundedV1.event_type
T_ISSUED = CredentialIssuedV1.event_type

# Who consumes (handles, so records in its inbox) each event type of a paid journey.
CONSUMED_BY = {
    T_REQUESTED: ("payments", "payments"),
    T_COMPLETED: ("issuance", "issuance"),
    T_INITIATED: ("enrollment", "enrollment"),
    T_SUCCEEDED: ("enrollment", "enrollment"),
    T_ISSUED: ("enrollment", "enrollment"),
    T_CANCELLED: ("payments", "payments"),
    T_REFUND_REQUESTED: ("payments", "payments"),
    T_REFUNDED: ("enrollment", "enrollment"),
}


async def handled_count(system: System, service: str, group: str, event_id: str) -> int:
    """How often a consumer group recorded an event in its inbox (its service's database)."""
    rows = await system.query(
        service,
        "SELECT count(*) AS n FROM inbox WHERE consumer_group = $1 AND event_id = $2",
        system.topic_prefix + group,
        event_id,
    )
    return int(rows[0]["n"])


@dataclass
class Ledger:
    """Counts, per completed paid journey, what every service recorded and emitted."""

    system: System
    http: httpx.AsyncClient
    stripe_since: str  # a watermark intent made before the journeys began
    problems: list[str] = field(default_factory=list)

    def expect(self, ok: bool, what: str) -> None:
        if not ok:
            self.problems.append(what)

    async def check_completed(
        self, flows: list[Flow], refunded: dict[str, int] | None = None
    ) -> None:
        """Each flow: one enrollment (completed), one payment and one intent at Stripe
        (succeeded), one credential, each event emitted once, each consumed once; no
        dead letter of any of it; every outbox row sent.

        ``refunded``: enrollment id -> the amount ops refunded in part (the enrollment
        and its credential stand): then exactly one refund of it at Stripe and in
        payments, and one refunded event."""
        refunded = refunded or {}
        assert flows, "nothing to check"
        await wait_until(
            lambda: self._all_sent(flows), timeout=15, message="outbox rows left unsent"
        )
        ids = [f.enrollment_id for f in flows]
        learners = [uuid.UUID(f.learner_id) for f in flows]
        s = self.system

        enrollments = await s.query(
            "enrollment",
            "SELECT id::text, learner_id::text, offering_id::text, status, payment_id::text,"
            " credential_id::text, refund_due_payment_id FROM enrollments"
            " WHERE learner_id = ANY($1::uuid[])",
            learners,
        )
        payments = await s.query(
            "payments",
            "SELECT id::text, enrollment_id::text, status, stripe_payment_intent_id"
            " FROM payments WHERE enrollment_id = ANY($1::uuid[])",
            [uuid.UUID(i) for i in ids],
        )
        credentials = await s.query(
            "issuance",
            "SELECT id::text, enrollment_id::text, revoked_at FROM credentials"
            " WHERE enrollment_id = ANY($1::uuid[])",
            [uuid.UUID(i) for i in ids],
        )
        outbox = {svc: await s.query(svc, _OUTBOX_OF, ids) for svc in SERVICE_NAMES}
        intents = await stripe_intents_for(self.http, s.stripe_api_base, ids, self.stripe_since)

        for flow in flows:
            e = flow.enrollment_id
            mine = [r for r in enrollments if r["learner_id"] == flow.learner_id]
            self.expect(len(mine) == 1, f"{e}: learner has {len(mine)} enrollments")
            row = next((r for r in mine if r["id"] == e), None)
            self.expect(
                row is not None and row["status"] == "completed",
                f"{e}: enrollment {row and row['status']}",
            )
            self.expect(
                row is not None and row["refund_due_payment_id"] is None,
                f"{e}: flagged for a refund (paid twice or late)",
            )
            pays = [p for p in payments if p["enrollment_id"] == e]
            self.expect(len(pays) == 1, f"{e}: {len(pays)} payments rows")
            at_stripe = intents[e]
            self.expect(len(at_stripe) == 1, f"{e}: {len(at_stripe)} PaymentIntents at Stripe")
            if len(pays) == 1 and len(at_stripe) == 1:
                self.expect(pays[0]["status"] == "succeeded", f"{e}: payment {pays[0]['status']}")
                self.expect(
                    pays[0]["stripe_payment_intent_id"] == at_stripe[0]["id"],
                    f"{e}: payments row names another intent than Stripe has",
                )
                self.expect(
                    at_stripe[0]["status"] == "succeeded",
                    f"{e}: intent {at_stripe[0]['status']} at Stripe",
                )
                charges = [
                    c
                    for c in (at_stripe[0].get("charges") or {}).get("data", [])
                    if c.get("status") == "succeeded"
                ]
                self.expect(len(charges) == 1, f"{e}: {len(charges)} charges at Stripe")
                self.expect(
                    row is not None and row["payment_id"] == pays[0]["id"],
                    f"{e}: enrollment links another payment",
                )
            creds = [c for c in credentials if c["enrollment_id"] == e]
            self.expect(len(creds) == 1, f"{e}: {len(creds)} credentials")
            if creds:
                self.expect(
                    row is not None and row["credential_id"] == creds[0]["id"],
                    f"{e}: enrollment links another credential",
                )
                self.expect(creds[0]["revoked_at"] is None, f"{e}: credential revoked")

            emitted: dict[str, list[Any]] = {}
            for svc, rows in outbox.items():
                for r in rows:
                    if r["enrollment_id"] == e:
                        emitted.setdefault(r["event_type"], []).append((svc, r))
            for event_type in (T_REQUESTED, T_ACTIVATED, T_COMPLETED, T_INITIATED, T_SUCCEEDED):
                n = len(emitted.get(event_type, []))
                self.expect(n == 1, f"{e}: {n} {event_type.split('.')[-2]} emitted")
            if e in refunded:
                n = len(emitted.get(T_REFUNDED, []))
                self.expect(n == 1, f"{e}: {n} refunded emitted")
                if len(pays) == 1 and len(at_stripe) == 1:
                    await self._check_one_refund(e, pays[0]["id"], at_stripe[0]["id"], refunded[e])
            issued = emitted.get(T_ISSUED, [])
            self.expect(
                len(issued) == 1 and len(creds) == 1 and issued[0][1]["key"] == creds[0]["id"],
                f"{e}: {len(issued)} issued emitted for {len(creds)} credential(s)",
            )
            unexpected = set(emitted) - {
                T_REQUESTED,
                T_ACTIVATED,
                T_COMPLETED,
                T_INITIATED,
                T_SUCCEEDED,
                T_ISSUED,
                *((T_REFUNDED,) if e in refunded else ()),
            }
            self.expect(not unexpected, f"{e}: also emitted {sorted(unexpected)}")

            for event_type, (service, group) in CONSUMED_BY.items():
                for _svc, r in emitted.get(event_type, []):
                    n = await handled_count(s, service, group, r["event_id"])
                    self.expect(
                        n == 1, f"{e}: {event_type.split('.')[-2]} handled {n} times by {group}"
                    )

        # The offerings and providers these journeys used reached their consumers once.
        for flow in flows:
            for svc, group, key in (
                ("enrollment", "enrollment", flow.offering_id),
                ("issuance", "issuance-providers", flow.provider.id),
            ):
                sent = await s.query("catalog", "SELECT event_id FROM outbox WHERE key = $1", key)
                for r in sent:
                    n = await handled_count(s, svc, group, r["event_id"])
                    self.expect(n == 1, f"catalog event for {key} handled {n} times by {group}")

        # No dead letter of any of it.
        keys = set(ids)
        keys |= {p["id"] for p in payments} | {c["id"] for c in credentials}
        keys |= {f.offering_id for f in flows} | {f.provider.id for f in flows}
        dead = await read_topics(s.infra.kafka_bootstrap, dead_letter_topics(s))
        ours = [d for d in dead if d.key is not None and d.key.decode() in keys]
        self.expect(
            not ours,
            f"dead letters of these journeys: {[(d.topic, header(d, 'dlq_reason')) for d in ours]}",
        )
        if self.problems:
            raise AssertionError(
                "lost or doubled:\n  " + "\n  ".join(self.problems) + "\n" + s.logs()
            )

    async def _check_one_refund(
        self, e: str, payment_id: str, intent_id: str, amount: int, origin: str = "api"
    ) -> None:
        rows = await self.system.query(
            "payments",
            "SELECT r.amount, r.status, r.origin, r.stripe_refund_id, p.amount_refunded"
            " FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE p.id = $1::uuid",
            payment_id,
        )
        self.expect(len(rows) == 1, f"{e}: {len(rows)} refunds in payments")
        at_stripe = await stripe_refunds_of(self.http, self.system.stripe_api_base, intent_id)
        self.expect(len(at_stripe) == 1, f"{e}: {len(at_stripe)} refunds at Stripe")
        if len(rows) == 1 and len(at_stripe) == 1:
            row, made = rows[0], at_stripe[0]
            self.expect(row["status"] == "succeeded", f"{e}: refund {row['status']} in payments")
            self.expect(row["origin"] == origin, f"{e}: refund made by {row['origin']}")
            self.expect(row["stripe_refund_id"] == made["id"], f"{e}: refund names another")
            self.expect(
                row["amount"] == made["amount"] == amount == row["amount_refunded"],
                f"{e}: refunded {row['amount']} here, {made['amount']} at Stripe, not {amount}",
            )
            self.expect(made["status"] == "succeeded", f"{e}: refund {made['status']} at Stripe")

    async def check_cancelled_and_refunded(self, flows: list[Flow]) -> None:
        """Each flow: the learner cancelled, then paid anyway, and got the money back:
        one enrollment (cancelled, no refund left due), one payment and one intent at
        Stripe (succeeded), one automatic refund of all of it at Stripe and in payments,
        no credential; each event emitted once and consumed once; no dead letter."""
        assert flows, "nothing to check"
        await wait_until(
            lambda: self._all_sent(flows), timeout=15, message="outbox rows left unsent"
        )
        s = self.system
        ids = [f.enrollment_id for f in flows]
        intents = await stripe_intents_for(self.http, s.stripe_api_base, ids, self.stripe_since)
        outbox = {svc: await s.query(svc, _OUTBOX_OF, ids) for svc in SERVICE_NAMES}
        expected = (
            T_REQUESTED,
            T_CANCELLED,
            T_INITIATED,
            T_SUCCEEDED,
            T_REFUND_REQUESTED,
            T_REFUNDED,
        )
        for flow in flows:
            e = flow.enrollment_id
            mine = await s.query(
                "enrollment",
                "SELECT id::text, status, refund_due_payment_id, credential_id FROM enrollments"
                " WHERE learner_id = $1::uuid",
                flow.learner_id,
            )
            self.expect(len(mine) == 1, f"{e}: learner has {len(mine)} enrollments")
            self.expect(
                bool(mine) and mine[0]["status"] == "cancelled",
                f"{e}: enrollment {mine and mine[0]['status']}",
            )
            self.expect(
                bool(mine) and mine[0]["refund_due_payment_id"] is None,
                f"{e}: a refund is still due",
            )
            self.expect(bool(mine) and mine[0]["credential_id"] is None, f"{e}: a credential")
            pays = await s.query(
                "payments",
                "SELECT id::text, status, amount FROM payments WHERE enrollment_id = $1::uuid",
                e,
            )
            self.expect(len(pays) == 1, f"{e}: {len(pays)} payments rows")
            self.expect(len(intents[e]) == 1, f"{e}: {len(intents[e])} PaymentIntents at Stripe")
            if len(pays) == 1 and len(intents[e]) == 1:
                self.expect(pays[0]["status"] == "succeeded", f"{e}: payment {pays[0]['status']}")
                await self._check_one_refund(
                    e, pays[0]["id"], intents[e][0]["id"], pays[0]["amount"], "enrollment"
                )
            emitted: dict[str, list[Any]] = {}
            for rows in outbox.values():
                for r in rows:
                    if r["enrollment_id"] == e:
                        emitted.setdefault(r["event_type"], []).append(r)
            for event_type in expected:
                n = len(emitted.get(event_type, []))
                self.expect(n == 1, f"{e}: {n} {event_type.split('.')[-2]} emitted")
            unexpected = set(emitted) - set(expected)
            self.expect(not unexpected, f"{e}: also emitted {sorted(unexpected)}")
            for event_type, (service, group) in CONSUMED_BY.items():
                for r in emitted.get(event_type, []):
                    n = await handled_count(s, service, group, r["event_id"])
                    self.expect(
                        n == 1, f"{e}: {event_type.split('.')[-2]} handled {n} times by {group}"
                    )
        dead = await read_topics(s.infra.kafka_bootstrap, dead_letter_topics(s))
        keys = set(ids)
        ours = [d for d in dead if d.key is not None and d.key.decode() in keys]
        self.expect(not ours, f"dead letters of these journeys: {len(ours)}")
        if self.problems:
            raise AssertionError(
                "lost or doubled:\n  " + "\n  ".join(self.problems) + "\n" + s.logs()
            )

    async def _all_sent(self, flows: list[Flow]) -> bool:
        ids = [f.enrollment_id for f in flows]
        for svc in SERVICE_NAMES:
            rows = await self.system.query(svc, _OUTBOX_OF, ids)
            if any(r["sent_at"] is None for r in rows):
                return False
        return True


async def inbox_has_no_duplicates(system: System) -> None:
    """The inbox key is (group, event id): check it holds in every service's database."""
    for svc in SERVICE_NAMES:
        doubled = await system.query(
            svc,
            "SELECT consumer_group, event_id, count(*) FROM inbox"
            " GROUP BY consumer_group, event_id HAVING count(*) > 1",
        )
        assert not doubled, f"{svc}: events handled twice: {doubled}"
