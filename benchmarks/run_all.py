"""All the benchmarks, one command: JSON, PNG plots and a Markdown report in docs/benchmarks/.

    uv run python -m benchmarks [--n 2000] [--rate R] [--quick] [--out docs/benchmarks]

Runs, one after another (each starts and stops its own `System` on the local stack):
``benchmarks.purchase_flow`` (fixed rate, max rate, localstripe's own webhook delivery,
raw Kafka/PostgreSQL floor), ``benchmarks.http_load`` (vegeta at fixed rates against
offering by id, enrollment creation, credential verification and a bare FastAPI
endpoint), ``benchmarks.search_engine`` (catalog search: the engine and PostgreSQL side
by side at 100,000 offerings; with ``--search-large N`` also the engine at N offerings;
its own report in search.md), ``benchmarks.messaging_throughput`` (the outbox → relay →
Kafka → consumer pipeline against a raw aiokafka loop, in one run),
``benchmarks/issuance_core.py`` (sign and verify per second in one process). The machine
(cores, memory, load average before and after every phase) is recorded with every
figure: the machine is shared, read them with it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib
import uvloop

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from benchmarks import (
    http_load,
    messaging_throughput,
    purchase_flow,
    search_engine,
    search_report,
)
from benchmarks.common import ROOT, loadavg, machine, stop_cleanly_on_sigterm

# Issue 24's targets (the flow figures) and the earlier ones still standing.
TARGETS = {
    "flows_per_s": 60.0,
    "completion_to_credential_p99_ms": 150.0,
    "messaging_pipeline_over_raw": 0.30,
    "search_p99_ms_at_500": 20.0,
    "publish_to_searchable_p99_ms": 1000.0,
    "verify_http_per_s": 500.0,
}


def issuance_core(seconds: float) -> dict[str, Any]:
    before = loadavg()
    out = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "benchmarks" / "issuance_core.py"), str(seconds)],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    rates: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return {**rates, "seconds_per_phase": seconds, "load_before": before, "load_after": loadavg()}


# --- plots -------------------------------------------------------------------------
def plot_hops(flow: dict[str, Any], path: Path) -> None:
    phases = flow["phases"]
    hops = list(purchase_flow.HOPS)
    fig, axes = plt.subplots(1, len(phases), figsize=(5 * len(phases), 4.5), sharey=True)
    if len(phases) == 1:
        axes = [axes]
    for ax, (name, phase) in zip(axes, phases.items(), strict=True):
        xs = range(len(hops))
        for offset, pct in ((-0.27, "p50"), (0.0, "p95"), (0.27, "p99")):
            ax.bar(
                [x + offset for x in xs],
                [phase["hops_ms"].get(h, {}).get(pct, 0) for h in hops],
                width=0.27,
                label=pct,
            )
        ax.set_xticks(list(xs), hops, rotation=40, ha="right", fontsize=8)
        ax.set_yscale("log")
        ax.set_title(f"{name}: {phase['completed_per_s']} flows/s", fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("ms (log)")
    axes[0].legend()
    fig.suptitle("purchase → credential: latency per hop")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_cdf(flow: dict[str, Any], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, phase in flow["phases"].items():
        for key, style in (
            ("end_to_end_samples_ms", "-"),
            ("completion_to_credential_samples_ms", "--"),
        ):
            values = sorted(phase.get(key) or [])
            if values:
                ys = [(i + 1) / len(values) for i in range(len(values))]
                label = f"{name}: {key.removesuffix('_samples_ms').replace('_', ' ')}"
                ax.plot(values, ys, style, label=label)
    ax.set_xscale("log")
    ax.set_xlabel("ms (log)")
    ax.set_ylabel("fraction of flows")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title("end to end and completion → credential, CDF")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_cpu(flow: dict[str, Any], path: Path) -> None:
    phases = {k: v for k, v in flow["phases"].items() if v.get("cpu_ms_per_flow")}
    if not phases:
        return
    components = sorted({c for p in phases.values() for c in p["cpu_ms_per_flow"]})
    fig, ax = plt.subplots(figsize=(7, 4.5))
    bottoms = [0.0] * len(phases)
    for component in components:
        values = [p["cpu_ms_per_flow"].get(component, 0.0) for p in phases.values()]
        ax.bar(list(phases), values, bottom=bottoms, label=component)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    ax.set_ylabel("CPU ms per completed flow")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(axis="y", alpha=0.3)
    ax.set_title("where a purchase flow's CPU goes (all processes, user + system)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


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


def plot_http(load: dict[str, Any], path: Path) -> None:
    runs = load["runs"]
    labels = [f"{r['endpoint']}\n@{r['rate_offered']}/s" for r in runs]
    fig, ax = plt.subplots(figsize=(max(8, len(runs) * 0.9), 5))
    xs = range(len(runs))
    ax.bar([x - 0.2 for x in xs], [r["p50_ms"] for r in runs], width=0.4, label="p50")
    ax.bar([x + 0.2 for x in xs], [r["p99_ms"] for r in runs], width=0.4, label="p99")
    ax.set_xticks(list(xs), labels, rotation=60, ha="right", fontsize=7)
    ax.set_yscale("log")
    ax.set_ylabel("ms (log)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend()
    ax.set_title("HTTP APIs under fixed-rate load (vegeta)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_issuance(core: dict[str, Any], load: dict[str, Any] | None, path: Path) -> None:
    bars = {
        "sign (core)": core.get("signed_per_s", 0),
        "verify (core)": core.get("verified_per_s", 0),
    }
    if load:
        http = [r for r in load["runs"] if "verify" in r["endpoint"]]
        if http:
            bars["verify (HTTP, best)"] = max(r["throughput_per_s"] for r in http)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar(list(bars), list(bars.values()), color=["C0", "C1", "C2"][: len(bars)])
    ax.axhline(TARGETS["verify_http_per_s"], color="red", ls="--", label="target verify/s")
    ax.set_ylabel("per second")
    ax.legend()
    ax.set_title("issuance: credentials per second")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- the report --------------------------------------------------------------------
def _row(cells: list[Any]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


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
        out += [f"- `{k}`: {v}" for k, v in purchase_flow.HOPS.items()]
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
            f"**{core['verified_per_s']} verified/s** (schema, DID key, proof, dates, status).",
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


def verdicts(results: dict[str, Any]) -> list[tuple[str, Any, float, bool]]:
    v: list[tuple[str, Any, float, bool]] = []
    flow = results.get("purchase_flow")
    if flow:
        best = max(p["completed_per_s"] for p in flow["phases"].values())
        v.append(("≥ 60 purchase→credential flows/s", best, TARGETS["flows_per_s"], True))
        fixed = flow["phases"].get("fixed", {})
        p99 = fixed.get("hops_ms", {}).get("completion_to_credential", {}).get("p99")
        v.append(
            (
                f"completion→credential (seen by a consumer) p99 ≤ 150 ms at "
                f"{fixed.get('rate_offered')}/s",
                p99,
                TARGETS["completion_to_credential_p99_ms"],
                False,
            )
        )
    search = results.get("search_engine")
    if search:
        engine = [r for r in search["runs"] if r["backend"] == "engine"]
        at_500 = [r for r in engine if r["rate_offered"] == 500] or engine[-1:]
        for r in at_500:
            v.append(
                (
                    f"search p99 ≤ 20 ms at 500/s, uncached (engine at {r['rate_offered']}/s)",
                    r["p99_ms"],
                    TARGETS["search_p99_ms_at_500"],
                    False,
                )
            )
        for label, fresh in search.get("freshness", {}).items():
            v.append(
                (
                    f"publish → searchable p99 ≤ 1 s ({label})",
                    fresh["publish_to_searchable_ms"]["p99"],
                    TARGETS["publish_to_searchable_p99_ms"],
                    False,
                )
            )
    messaging = results.get("messaging")
    if messaging:
        v.append(
            (
                "messaging pipeline ≥ 30% of the raw produce-and-consume loop",
                messaging["pipeline_over_raw"],
                TARGETS["messaging_pipeline_over_raw"],
                True,
            )
        )
    load = results.get("http_load")
    if load:
        verify = [r for r in load["runs"] if "verify" in r["endpoint"]]
        if verify:
            v.append(
                (
                    "verify ≥ 500/s over HTTP (best achieved)",
                    max(r["throughput_per_s"] for r in verify),
                    TARGETS["verify_http_per_s"],
                    True,
                )
            )
    return v


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="purchase flows per phase")
    parser.add_argument(
        "--rate", type=float, default=None, help="fixed-rate phase, flows/s (default: half max)"
    )
    parser.add_argument("--localstripe-n", type=int, default=200)
    # Enough flows in flight to keep every core busy (Little: ~30 flows/s x ~2 s); more
    # only lengthens the queues the max phase measures.
    parser.add_argument("--max-inflight", type=int, default=100)
    parser.add_argument("--offerings", type=int, default=100_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per HTTP attack")
    parser.add_argument("--quick", action="store_true", help="one rate per HTTP endpoint")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        help="flow, http, search, messaging or issuance",
    )
    parser.add_argument(
        "--search-large", type=int, default=0, help="also the engine alone at N offerings"
    )
    # Verification is CPU-bound Python: one process per core is how it is meant to run.
    parser.add_argument("--issuance-workers", type=int, default=2, help="HTTP load only")
    parser.add_argument("--catalog-workers", type=int, default=1, help="HTTP load only")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks")
    args = parser.parse_args()
    stop_cleanly_on_sigterm()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "argv": sys.argv[1:],
        "machine": machine(),
        "targets": TARGETS,
    }
    if "flow" not in args.skip:
        results["purchase_flow"] = asyncio.run(
            purchase_flow.run(
                args.n, args.rate, args.max_inflight, "self", args.localstripe_n, "WARNING", 120.0
            )
        )
        print(purchase_flow.summary(results["purchase_flow"]), flush=True)
    if "http" not in args.skip:
        results["http_load"] = asyncio.run(
            http_load.run(
                args.offerings,
                args.duration,
                args.quick,
                issuance_workers=args.issuance_workers,
                catalog_workers=args.catalog_workers,
            )
        )
    if "search" not in args.skip:
        results["search_engine"] = asyncio.run(
            search_engine.run(search_engine.options(["--offerings", str(args.offerings)]))
        )
        if args.search_large:
            large = ["--offerings", str(args.search_large), "--backends", "engine"]
            large += ["--rates", "250", "--no-cached", "--no-freshness", "--index-on-disk"]
            large += ["--catalog-workers", "1"]
            results["search_engine_large"] = asyncio.run(
                search_engine.run(search_engine.options(large))
            )
    if "messaging" not in args.skip:
        results["messaging"] = uvloop.run(messaging_throughput.measure(5000, 16))
        print("messaging", results["messaging"], flush=True)
    if "issuance" not in args.skip:
        results["issuance_core"] = issuance_core(5.0)
        print("issuance core", results["issuance_core"], flush=True)
    results["load_end"] = loadavg()
    results["verdicts"] = verdicts(results)
    if "purchase_flow" in results:
        plot_hops(results["purchase_flow"], out / "purchase_flow_hops.png")
        plot_cdf(results["purchase_flow"], out / "purchase_flow_cdf.png")
        plot_cpu(results["purchase_flow"], out / "purchase_flow_cpu.png")
    if "http_load" in results:
        plot_http(results["http_load"], out / "http_load.png")
    if "issuance_core" in results:
        plot_issuance(results["issuance_core"], results.get("http_load"), out / "issuance.png")
    searches = [results[k] for k in ("search_engine", "search_engine_large") if k in results]
    if searches:
        (out / "search.md").write_text(search_report.report(searches))
    (out / "results.json").write_text(json.dumps(results, indent=2))
    (out / "README.md").write_text(report(results))
    print(f"wrote {out / 'README.md'} and {out / 'results.json'}")


if __name__ == "__main__":
    main()
