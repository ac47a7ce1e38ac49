"""The Markdown report in docs/benchmarks/README.md, from one run's results."""

from __future__ import annotations

from typing import Any

from benchmarks.purchase_flow.analysis import HOPS


def _row(cells: list[Any]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def cpu_budget_lines(flow: dict[str, Any], cores: int) -> list[str]:
    """The CPU each component spends per flow, and the ceiling that puts on flows/s."""
    phase = flow["phases"].get("max") or next(iter(flow["phases"].values()))
    per_flow: dict[str, float] = phase.get("cpu_ms_per_flow") or {}
    if not per_flow:
        return []
    total = sum(per_flow.values())
    ours = sum(per_flow.get(s, 0.0) for s in ("catalog", "enrollment", "payments", "issuance"))
    harness = per_flow.get("driver", 0.0) + per_flow.get("localstripe", 0.0)
    lines = [
        "CPU per completed flow in the `max` phase, every process on the machine "
        "(user + system, from /proc; `other` is whatever else ran):",
        "",
        _row(["component", "CPU ms / flow", "share"]),
        _row(["---"] * 3),
    ]
    for name, ms in sorted(per_flow.items(), key=lambda kv: -kv[1]):
        lines.append(_row([name, ms, f"{ms / total:.0%}" if total else "-"]))
    lines += [
        _row(["**total**", round(total, 1), "100%"]),
        "",
        f"With {cores} cores there are {cores * 1000} CPU ms per second, so this machine "
        f"cannot complete more than **{cores * 1000 / total:.0f} flows/s** at this cost "
        f"per flow. The four services spend {ours:.1f} ms of it; the Stripe stand-in and "
        f"the driver (Stripe.js, Stripe, frontend and provider in one process) "
        f"{harness:.1f} ms, which alone caps the run at "
        f"{cores * 1000 / harness:.0f} flows/s even if our services cost nothing."
        if harness
        else "",
        "",
        "![cpu](purchase_flow_cpu.png)",
        "",
    ]
    return lines


def report(results: dict[str, Any]) -> str:
    m = results["machine"]
    out = [
        "# Benchmarks",
        "",
        f"Generated {results['generated_at']} by `uv run python -m benchmarks "
        f"{' '.join(results['argv'])}`.",
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, Linux "
        f"{m['kernel']}, Python {m['python']}. Everything co-located: Kafka, PostgreSQL, "
        "localstripe, the four services, the load generator. The machine is shared with "
        "other engineers' test runs: load average (1/5/15 min) at start "
        f"{m['load_1_5_15']}, at end {results['load_end']}; every figure below carries "
        "the load it was taken at.",
        "",
    ]
    flow = results.get("purchase_flow")
    if flow:
        by = (
            "the driver, signed as Stripe signs"
            if flow["setup"]["webhook"] == "self"
            else "localstripe"
        )
        rtt, commit = flow["floor"]["produce_consume_rtt_ms"], flow["floor"]["insert_commit_ms"]
        out += [
            "## Purchase → credential",
            "",
            f"Setup: {flow['setup']['system']}; log level {flow['setup']['log_level']}; "
            f"webhook delivered by {by} "
            "(`localstripe_delivery`: localstripe's own, with its 1 s sleep).",
            "",
            "Raw floor on the same broker and database: "
            f"Kafka produce→consume round trip p50 {rtt['p50']} ms / p99 {rtt['p99']} ms; "
            f"PostgreSQL one-row INSERT + COMMIT p50 {commit['p50']} ms / p99 {commit['p99']} ms.",
            "",
            _row(["phase", "offered/s", "completed", "flows/s", "errors", "load before → after"]),
            _row(["---"] * 6),
        ]
        for name, p in flow["phases"].items():
            out.append(
                _row(
                    [
                        name,
                        p["rate_offered"] or "max",
                        f"{p['completed']}/{p['flows']}",
                        p["completed_per_s"],
                        p["errors"] or "none",
                        f"{p['load_before']} → {p['load_after']}",
                    ]
                )
            )
        floor_rtt = flow["floor"]["produce_consume_rtt_ms"]["p50"] or 1
        out += ["", "Latency per hop (ms):", ""]
        out.append(_row(["phase", "hop", "p50", "p95", "p99", "p50 / Kafka RTT p50"]))
        out.append(_row(["---"] * 6))
        for name, p in flow["phases"].items():
            for hop, s in p["hops_ms"].items():
                ratio = round(s.get("p50", 0) / floor_rtt) if s.get("count") else "-"
                out.append(_row([name, hop, s.get("p50"), s.get("p95"), s.get("p99"), ratio]))
        out += ["", *cpu_budget_lines(flow, int(m["cores"] or 1))]
        out += ["Hops:", ""]
        out += [f"- `{k}`: {v}" for k, v in HOPS.items()]
        out += [
            "",
            "![hops](purchase_flow_hops.png)",
            "",
            "![cdf](purchase_flow_cdf.png)",
            "",
        ]
    load = results.get("http_load")
    if load:
        bare = [r for r in load["runs"] if r["endpoint"].startswith("bare")]
        bare_p50 = bare[0]["p50_ms"] if bare else None
        out += [
            "## HTTP APIs under load",
            "",
            f"{load['setup']['load_generator']}; {load['setup']['offerings']} published "
            f"offerings; {load['setup']['duration_s']} s per attack; {load['setup']['services']}.",
            "",
            _row(
                [
                    "endpoint",
                    "offered/s",
                    "achieved/s",
                    "ok",
                    "p50 ms",
                    "p99 ms",
                    "p50 / bare p50",
                    "codes",
                    "load before",
                ]
            ),
            _row(["---"] * 9),
        ]
        for r in load["runs"]:
            ratio = round(r["p50_ms"] / bare_p50, 1) if bare_p50 else "-"
            out.append(
                _row(
                    [
                        r["endpoint"],
                        r["rate_offered"],
                        r["throughput_per_s"],
                        r["success_ratio"],
                        r["p50_ms"],
                        r["p99_ms"],
                        ratio,
                        r["status_codes"],
                        r["load_before"],
                    ]
                )
            )
        out += ["", "![http](http_load.png)", ""]
    search = results.get("search_engine")
    if search:
        out += [
            "## Catalog search",
            "",
            f"The engine and PostgreSQL side by side at {search['setup']['offerings']:,} "
            "offerings, open loop, no cache in front (p99 ms; ok answers per second); "
            "everything else — per kind of query, the gateway cache with its hit ratio, "
            "index build and memory, publish → searchable — in [search.md](search.md).",
            "",
            _row(["offered/s", "engine p99", "PostgreSQL p99", "engine ok/s", "PostgreSQL ok/s"]),
            _row(["---"] * 5),
        ]
        for rate, x in search.get("summary", {}).items():
            out.append(
                _row(
                    [
                        rate,
                        x["engine_p99_ms"],
                        x["database_p99_ms"],
                        x["engine_ok_per_s"],
                        x["database_ok_per_s"],
                    ]
                )
            )
        out.append("")
    core = results.get("issuance_core")
    if core:
        out += [
            "## Issuance",
            "",
            f"One process, one thread, {core['seconds_per_phase']} s per phase, load "
            f"{core['load_before']}: **{core['signed_per_s']} credentials signed/s** (build, "
            f"RDFC-1.0 canonicalisation of document and proof options, Ed25519), "
            f"**{core['verified_per_s']} verified/s** (schema, DID key, proof, dates, status) "
            f"the first time a credential is seen, "
            f"**{core.get('verified_again_per_s', 'n/a')} verified/s** for credentials verified "
            f"before (the proof found valid is remembered; dates and status checked again).",
            "",
            "![issuance](issuance.png)",
            "",
        ]
    messaging = results.get("messaging")
    if messaging:
        out += [
            "## Messaging",
            "",
            f"{messaging['events']} events, {messaging['writers']} writers, load "
            f"{messaging['load_before']}: raw aiokafka produce → consume → commit "
            f"**{messaging['raw']['per_s']} events/s** "
            f"({messaging['raw']['cpu_us_per_event']} µs CPU/event); outbox → relay → Kafka → "
            f"consumer with inbox, committing its work, "
            f"**{messaging['pipeline']['per_s']} events/s** "
            f"({messaging['pipeline']['cpu_us_per_event']} µs CPU/event, "
            f"**{messaging['pipeline_over_raw']:.0%}** of raw); alone, the outbox writes (one "
            f"transaction each) ran at {messaging['outbox_writes']['per_s']} events/s "
            f"({messaging['outbox_writes']['cpu_us_per_event']} µs), the relay at "
            f"{messaging['relay']['per_s']}/s ({messaging['relay']['cpu_us_per_event']} µs), "
            f"the consumer at {messaging['consumer']['per_s']}/s "
            f"({messaging['consumer']['cpu_us_per_event']} µs).",
            "",
        ]
    latency = results.get("messaging_latency")
    if latency:
        chain, trickle = latency["chain"], latency["trickle"]
        out += [
            "Latency when traffic is light (`benchmarks.messaging_latency`: emit commit → "
            f"handler, load {latency['load_before']}): {chain['events']} events one after "
            f"another on one partition, p50 **{chain['p50_ms']} ms**, p99 "
            f"**{chain['p99_ms']} ms**; {trickle['rate_per_s']:g} events/s on random keys, "
            f"p50 {trickle['p50_ms']} ms, p99 **{trickle['p99_ms']} ms**.",
            "",
        ]
    out += ["## Against the targets", "", _row(["target", "measured", "met"]), _row(["---"] * 3)]
    for label, measured, target, higher in results.get("verdicts", []):
        met = measured is not None and (measured >= target if higher else measured <= target)
        out.append(_row([label, measured, "yes" if met else "no"]))
    out += [
        "",
        "What bounds each figure, and what was changed: see "
        "[ADR 0018](../adr/0018-performance.md).",
        "",
    ]
    return "\n".join(out)
