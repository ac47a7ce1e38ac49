"""The Grafana dashboard, generated so its queries use the metric names and event types
the code defines (credmarket_platform metrics, credmarket_events event types).

`python -m credmarket_infra.deploy.dashboard` rewrites
infra/monitoring/grafana/dashboards/credmarket.json; `--check` fails if it is stale.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from credmarket_events.issuance import CredentialIssuedV1
from credmarket_events.payments import PaymentSucceededV1

OUTPUT = (
    Path(__file__).resolve().parents[3]
    / "monitoring"
    / "grafana"
    / "dashboards"
    / "credmarket.json"
)
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
RATE = "[$__rate_interval]"
HTTP_FILTER = 'service=~"$service"'

Panel = dict[str, Any]


def any_version(event_type: str) -> str:
    """PromQL regex for every major version of an event type (`...succeeded.v1` -> `.v[0-9]+`)."""
    base = re.sub(r"\.v\d+$", "", event_type)
    return re.escape(base).replace("\\", "\\\\") + "\\\\.v[0-9]+"


def timeseries(
    title: str, unit: str, targets: list[tuple[str, str]], description: str = ""
) -> Panel:
    return {
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {
            "legend": {
                "displayMode": "table",
                "placement": "bottom",
                "calcs": ["lastNotNull", "max"],
            }
        },
        "targets": [
            {
                "refId": chr(ord("A") + i),
                "datasource": DATASOURCE,
                "expr": expr,
                "legendFormat": legend,
            }
            for i, (expr, legend) in enumerate(targets)
        ],
    }


def row(title: str) -> Panel:
    return {"type": "row", "title": title, "collapsed": False, "panels": []}


def quantiles(metric: str, by: str, selector: str = "") -> list[tuple[str, str]]:
    matchers = f"{{{selector}}}" if selector else ""
    return [
        (
            f"histogram_quantile({q}, sum by (le, {by}) (rate({metric}_bucket{matchers}{RATE})))",
            f"p{round(q * 100)} {{{{{by.split(', ')[-1]}}}}}",
        )
        for q in (0.5, 0.95, 0.99)
    ]


def panels() -> list[Panel]:
    paid = any_version(PaymentSucceededV1.event_type)
    issued = any_version(CredentialIssuedV1.event_type)
    return [
        row("Business flow"),
        timeseries(
            "Payments succeeded and credentials issued",
            "ops",
            [
                (
                    f'sum(rate(credmarket_events_published_total{{event_type=~"{paid}"}}{RATE}))',
                    "payments succeeded /s",
                ),
                (
                    f'sum(rate(credmarket_events_published_total{{event_type=~"{issued}"}}{RATE}))',
                    "credentials issued /s",
                ),
            ],
            "Rate of the events that mark them, as published by the outbox relay.",
        ),
        row("Events"),
        timeseries(
            "Events published /s by type",
            "ops",
            [
                (
                    "sum by (event_type) (rate(credmarket_events_published_total" + RATE + "))",
                    "{{event_type}}",
                )
            ],
        ),
        timeseries(
            "Events consumed /s by group, type and outcome",
            "ops",
            [
                (
                    "sum by (group, event_type, outcome) (rate(credmarket_events_consumed_total"
                    + RATE
                    + "))",
                    "{{group}} {{event_type}} {{outcome}}",
                )
            ],
        ),
        timeseries(
            "Handler latency (p50/p95/p99) by group",
            "s",
            quantiles("credmarket_handler_seconds", "group"),
            "Inbox record + handler + outbox writes, committed.",
        ),
        timeseries(
            "Handler errors /s",
            "ops",
            [
                (
                    "sum by (group, event_type) (rate(credmarket_events_failed_total" + RATE + "))",
                    "{{group}} {{event_type}}",
                )
            ],
            "Failed attempts; retried with backoff before dead-lettering.",
        ),
        timeseries(
            "Dead letters",
            "short",
            [
                (
                    "sum by (group, reason) (increase(credmarket_events_dead_lettered_total"
                    + RATE
                    + "))",
                    "{{group}} {{reason}}",
                )
            ],
        ),
        timeseries(
            "Outbox backlog (unpublished rows)",
            "short",
            [("max by (service) (credmarket_outbox_backlog)", "{{service}}")],
        ),
        timeseries(
            "Outbox commit-to-publish latency",
            "s",
            quantiles("credmarket_outbox_commit_to_publish_seconds", "service"),
        ),
        timeseries(
            "Consumer lag by group and topic",
            "short",
            [
                (
                    "sum by (consumergroup, topic) (kafka_consumergroup_lag)",
                    "{{consumergroup}} {{topic}}",
                )
            ],
            "From kafka-exporter: events not yet consumed, summed over partitions.",
        ),
        timeseries(
            "Stuck partitions by group",
            "short",
            [
                (
                    "sum by (group, topic) (credmarket_consumer_partition_stuck)",
                    "{{group}} {{topic}}",
                ),
                (
                    "max by (group) (time() - (credmarket_consumer_partition_stuck_since_seconds"
                    " > 0))",
                    "{{group}} stuck for (s)",
                ),
            ],
            "Partitions whose next record keeps failing (retried while the failure is "
            "transient); `credmarket-ops lag` says why.",
        ),
        timeseries(
            "Refunds not paid back",
            "short",
            [
                (
                    "sum by (origin, stage) (increase("
                    "credmarket_payments_refunds_not_paid_back_total" + RATE + "))",
                    "{{origin}} {{stage}}",
                )
            ],
            "Refunds Stripe refused, failed or canceled: a learner is owed money.",
        ),
        row("HTTP"),
        timeseries(
            "Requests /s by service and route",
            "reqps",
            [
                (
                    "sum by (service, method, route) "
                    f"(rate(credmarket_http_requests_total{{{HTTP_FILTER}}}{RATE}))",
                    "{{service}} {{method}} {{route}}",
                )
            ],
        ),
        timeseries(
            "Latency p95 by service and route",
            "s",
            [
                (
                    "histogram_quantile(0.95, sum by (le, service, method, route) "
                    f"(rate(credmarket_http_request_duration_seconds_bucket{{{HTTP_FILTER}}}{RATE})))",
                    "{{service}} {{method}} {{route}}",
                )
            ],
        ),
        timeseries(
            "Latency p50/p95/p99 by service",
            "s",
            quantiles("credmarket_http_request_duration_seconds", "service", HTTP_FILTER),
        ),
        timeseries(
            "Errors /s by service, route and status (4xx, 5xx)",
            "reqps",
            [
                (
                    "sum by (service, route, status) (rate(credmarket_http_requests_total"
                    f'{{{HTTP_FILTER}, status=~"[45].."}}{RATE}))',
                    "{{service}} {{route}} {{status}}",
                )
            ],
        ),
    ]


def layout(items: list[Panel]) -> list[Panel]:
    """Rows span the width; other panels two per line, 12 x 8 each."""
    y, x, next_id = 0, 0, 1
    for item in items:
        item["id"] = next_id
        next_id += 1
        if item["type"] == "row":
            y += 8 if x else 0
            x = 0
            item["gridPos"] = {"h": 1, "w": 24, "x": 0, "y": y}
            y += 1
            continue
        item["gridPos"] = {"h": 8, "w": 12, "x": x, "y": y}
        x, y = (12, y) if x == 0 else (0, y + 8)
    return items


def render() -> str:
    dashboard = {
        "uid": "credmarket-overview",
        "title": "credmarket",
        "description": "Event flow, handlers, outbox, consumer lag and HTTP of the four services.",
        "tags": ["credmarket"],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "service",
                    "label": "service (HTTP panels)",
                    "type": "query",
                    "datasource": DATASOURCE,
                    "query": "label_values(credmarket_http_requests_total, service)",
                    "refresh": 2,
                    "includeAll": True,
                    "multi": True,
                    "allValue": ".*",
                    "current": {"text": "All", "value": "$__all"},
                }
            ]
        },
        "annotations": {"list": []},
        "panels": layout(panels()),
    }
    return json.dumps(dashboard, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the JSON is stale")
    args = parser.parse_args(argv)
    expected = render()
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text() != expected:
            print(
                f"{OUTPUT} is stale: run python -m credmarket_infra.deploy.dashboard",
                file=sys.stderr,
            )
            return 1
        print(f"{OUTPUT.name}: up to date")
        return 0
    OUTPUT.write_text(expected)
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
