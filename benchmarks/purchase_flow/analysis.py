"""After the run: every event of every flow read back from the topics, joined with the
driver's clock into the latency of each hop; and the summary printed at the end."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from typing import Any

from credmarket_events.enrollment import (
    EnrollmentActivatedV1,
    EnrollmentCompletedV1,
    EnrollmentRequestedV1,
)
from credmarket_events.issuance import CredentialIssuedV1
from credmarket_events.payments import PaymentInitiatedV1, PaymentSucceededV1
from credmarket_infra.ops.reading import read_records
from credmarket_testing.infra import Infra

from benchmarks.common import loadavg, percentiles
from benchmarks.purchase_flow.driver import Flow

T_REQUESTED = EnrollmentRequestedV1.event_type
T_ACTIVATED = EnrollmentActivatedV1.event_type
T_COMPLETED = EnrollmentCompletedV1.event_type
T_INITIATED = PaymentInitiatedV1.event_type
T_SUCCEEDED = PaymentSucceededV1.event_type
T_ISSUED = CredentialIssuedV1.event_type

HOPS: dict[str, str] = {
    "purchase_request": "POST /v1/enrollments sent → EnrollmentRequested (ce_time)",
    "payment_initiated": "EnrollmentRequested → PaymentInitiated (relay, consume, "
    "create PaymentIntent at localstripe, commit)",
    "client_pays": "PaymentInitiated → webhook sent (driver sees the event, Stripe.js "
    "3 calls at localstripe[, localstripe's 1 s delay]) — not ours",
    "webhook_to_activated": "webhook sent → EnrollmentActivated (verify, commit, relay, "
    "consume in enrollment, commit)",
    "completion_to_credential": "POST completion sent → CredentialIssued seen by a consumer "
    "(commit, relay, consume in issuance, sign, commit, relay, broker, consumer fetch)",
    "completion_to_credential_ce_time": "the same, to CredentialIssued's ce_time (stamped "
    "before issuance commits and the relay publishes): the figure reported before issue 24",
    "end_to_end": "POST /v1/enrollments sent → CredentialIssued seen by a consumer",
    "ours": "end_to_end minus client_pays and minus the driver's reaction to "
    "EnrollmentActivated: the time spent in our services and the broker",
}


async def read_events(infra: Infra, topics: list[str]) -> dict[str, dict[str, tuple[float, float]]]:
    """enrollment id -> event type -> (ce_time, record timestamp), both epoch seconds."""
    out: dict[str, dict[str, tuple[float, float]]] = defaultdict(dict)
    # Thousands of flows' events: give the one reader more than its default half minute.
    for record in await read_records(infra.kafka_bootstrap, topics, timeout_s=600):
        headers = {k: v.decode() for k, v in record.headers}
        enrollment = json.loads(record.value).get("enrollment_id")
        if enrollment:
            ce_time = datetime.fromisoformat(headers["ce_time"]).timestamp()
            out[str(enrollment)][headers["ce_type"]] = (ce_time, record.timestamp / 1000)
    return out


def analyse(flows: list[Flow], events: dict[str, dict[str, tuple[float, float]]]) -> dict[str, Any]:
    hops: dict[str, list[float]] = defaultdict(list)
    relay: dict[str, list[float]] = defaultdict(list)
    done = [f for f in flows if not f.error and f.enrollment_id in events]
    ends: list[float] = []
    for f in done:
        ev = events[f.enrollment_id]
        if T_ISSUED not in ev:
            continue
        ce = {k: v[0] for k, v in ev.items()}
        seen_issued = f.t.get("issued_seen", ev[T_ISSUED][1])
        for kind, (c, ts) in ev.items():
            relay[kind.split(".")[-2]].append((ts - c) * 1000)
        # With localstripe's own delivery the hop starts at the confirm: it includes
        # localstripe's 1 s sleep before it posts the webhook.
        webhook_sent = f.t.get("webhook_sent", f.t["confirmed"])
        ms = {
            "purchase_request": ce[T_REQUESTED] - f.t["request_sent"],
            "payment_initiated": ce[T_INITIATED] - ce[T_REQUESTED],
            "client_pays": webhook_sent - ce[T_INITIATED],
            "webhook_to_activated": ce[T_ACTIVATED] - webhook_sent,
            # Until a consumer (the driver) actually sees CredentialIssued: its ce_time is
            # stamped before issuance commits and before the relay publishes.
            "completion_to_credential": seen_issued - f.t["completion_sent"],
            "completion_to_credential_ce_time": ce[T_ISSUED] - f.t["completion_sent"],
            "end_to_end": seen_issued - f.t["request_sent"],
        }
        ms["ours"] = (
            ms["end_to_end"] - ms["client_pays"] - (f.t["completion_sent"] - ce[T_ACTIVATED])
        )
        for name, seconds in ms.items():
            hops[name].append(seconds * 1000)
        ends.append(seen_issued)
    starts = [f.t["request_sent"] for f in flows if "request_sent" in f.t]
    wall = (max(ends) - min(starts)) if ends and starts else 0.0
    errors: dict[str, int] = defaultdict(int)
    for f in flows:
        if f.error:
            errors[f.error.split(":", 1)[0]] += 1
    return {
        "flows": len(flows),
        "completed": len(ends),
        "errors": dict(errors),
        "error_sample": next((f.error for f in flows if f.error), None),
        "wall_s": round(wall, 3),
        "completed_per_s": round(len(ends) / wall, 1) if wall else 0.0,
        "hops_ms": {name: percentiles(values) for name, values in hops.items()},
        "relay_delay_ms": {name: percentiles(values) for name, values in relay.items()},
        "end_to_end_samples_ms": [round(x, 1) for x in hops["end_to_end"]],
        "completion_to_credential_samples_ms": [
            round(x, 1) for x in hops["completion_to_credential"]
        ],
    }


def summary(result: dict[str, Any]) -> str:
    lines = [f"load now {loadavg()}"]
    floor = result.get("floor", {})
    for key, value in floor.items():
        lines.append(f"floor {key}: {value}")
    idle = result.get("idle")
    if idle:
        lines.append(
            f"idle {idle['seconds']} s, cpu cores: "
            + ", ".join(f"{k} {v}" for k, v in sorted(idle["cpu_cores"].items()))
        )
    for name, phase in result.get("phases", {}).items():
        lines.append(
            f"{name}: offered {phase['rate_offered'] or 'max'}/s, completed "
            f"{phase['completed']}/{phase['flows']} at {phase['completed_per_s']}/s, "
            f"errors {phase['errors']} load {phase['load_before']}→{phase['load_after']}, "
            f"503s retried {phase.get('shed_and_retried', 0)}"
        )
        lines.append(
            "    cpu cores: "
            + ", ".join(f"{k} {v}" for k, v in sorted(phase.get("cpu_cores", {}).items()))
        )
        lines.append(
            "    cpu ms/flow: "
            + ", ".join(f"{k} {v}" for k, v in sorted(phase.get("cpu_ms_per_flow", {}).items()))
        )
        for hop, p in phase["hops_ms"].items():
            lines.append(
                f"    {hop:26s} p50 {p.get('p50')}  p95 {p.get('p95')}  p99 {p.get('p99')} ms"
            )
    return "\n".join(lines)
