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
``benchmarks.messaging_latency`` (the same pipeline's latency when traffic is light),
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

import uvloop

from benchmarks import (
    http_load,
    messaging_latency,
    messaging_throughput,
    search_engine,
    search_report,
)
from benchmarks.common import ROOT, loadavg, machine, stop_cleanly_on_sigterm
from benchmarks.plots import plot_cdf, plot_cpu, plot_hops, plot_http, plot_issuance
from benchmarks.purchase_flow.analysis import summary as purchase_flow_summary
from benchmarks.purchase_flow.run import Options as PurchaseFlowOptions
from benchmarks.purchase_flow.run import run as purchase_flow_run
from benchmarks.report import report
from benchmarks.targets import TARGETS, verdicts


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
            purchase_flow_run(
                PurchaseFlowOptions(
                    n=args.n,
                    rate=args.rate,
                    max_inflight=args.max_inflight,
                    webhook="self",
                    localstripe_n=args.localstripe_n,
                    log_level="WARNING",
                    timeout_s=120.0,
                )
            )
        )
        print(purchase_flow_summary(results["purchase_flow"]), flush=True)
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
        results["messaging_latency"] = uvloop.run(messaging_latency.measure(100, 20.0, 10.0))
        print("messaging latency", results["messaging_latency"], flush=True)
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
