"""Catalog search: the engine (ADR 0022) and PostgreSQL full-text search side by side.

    uv run python -m benchmarks.search_engine [--offerings 100000] [--duration 10]
        [--rates 100,250,500,1000] [--backends engine,database] [--no-cached]
        [--no-freshness] [--out docs/benchmarks/search_engine_100k.json]

One run, one corpus, one query stream for both (benchmarks/search_corpus.py: Zipf
words over a 25,000-word vocabulary, 1,200 distinct queries of seven kinds asked with
Zipf popularity). Starts its own `System` with the gateway, loads the corpus into its
catalog database with COPY, restarts catalog (whose index is then built from the
database: the build time and index size are measured), and starts a second catalog
process on the same database with `CREDMARKET_CATALOG_SEARCH_BACKEND=database`.

Then, for each backend:
- one client, sequentially: p50/p99 per kind of query, and how many found anything;
- open loop (vegeta, fixed rate, no cache in front): p50/p95/p99, throughput, errors
  at each rate;
and, apart, the engine through the gateway's 5 s microcache with the hit ratio
(requests that reached catalog, from its own request counter), and how long a
published offering takes to be searchable and a retired one to be gone (through the
whole path: outbox, relay, Kafka, the read model, commit), while the engine serves
a background search load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
from credmarket_testing.system import ServiceProcess, System, free_port

from benchmarks import cpu
from benchmarks.common import (
    STACK,
    loadavg,
    machine,
    stack_infra,
    stop_cleanly_on_sigterm,
)
from benchmarks.http_load import attack, settle, target, vegeta_bin
from benchmarks.search_corpus import build_corpus, build_queries, query_stream
from benchmarks.search_freshness import freshness
from benchmarks.search_measures import (
    du_bytes,
    load_corpus,
    restart_and_build,
    search_requests,
    sequential,
    tree_rss_bytes,
)

BACKGROUND_RATE = 250


def targets(base: str, stream: Iterator[str]) -> Iterator[str]:
    for qs in stream:
        yield target("GET", f"{base}/v1/offerings?{qs}")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    rates = [int(r) for r in args.rates.split(",")]
    backends = args.backends.split(",")
    started = time.perf_counter()
    load_before = loadavg()
    corpus = build_corpus(args.offerings)
    queries = build_queries(corpus)
    kinds = Counter(k for k, _ in queries)
    print(
        f"corpus {args.offerings} in {time.perf_counter() - started:.0f}s; "
        f"{len(queries)} distinct queries {dict(kinds)}",
        flush=True,
    )
    index_parent = Path(tempfile.mkdtemp(prefix="bench-search-"))
    catalog_env = {"CREDMARKET_WEB_WORKERS": str(args.catalog_workers)}
    if args.index_on_disk:
        catalog_env["CREDMARKET_CATALOG_SEARCH_INDEX_DIR"] = str(index_parent)
    system = System(
        stack_infra(),
        logs_dir=STACK / "logs" / "bench",
        extra_env={"CREDMARKET_LOG_LEVEL": "WARNING"},
        service_env={"catalog": catalog_env},
        gateway=not args.no_cached,
    )
    result: dict[str, Any] = {
        "benchmark": "search_engine",
        "machine": machine(),
        "setup": {
            "offerings": args.offerings,
            "vocabulary_words": len(corpus.words),
            "distinct_queries": len(queries),
            "query_kinds": dict(kinds),
            "popularity": "Zipf (s=1) over the distinct queries; words Zipf (s=1.05) by rank",
            "load_generator": "vegeta, open loop at a fixed rate, no cache in front",
            "duration_s": args.duration,
            "catalog_web_workers": args.catalog_workers,
            "index": "on disk (memory-mapped)" if args.index_on_disk else "in memory",
            "database_backend": "a second catalog process on the same database with "
            "CREDMARKET_CATALOG_SEARCH_BACKEND=database (today's PostgreSQL search; it "
            "ignores `facets`, so a faceted query costs it less than the engine)",
        },
        "runs": [],
    }
    db_process: ServiceProcess | None = None
    await system.start()
    try:
        catalog_proc = system.replicas["catalog"][0]
        assert catalog_proc.proc is not None
        empty_rss = tree_rss_bytes(catalog_proc.proc.pid)
        result["setup"]["load_s"] = round(await load_corpus(system, corpus), 1)
        build_s = await restart_and_build(system)
        assert catalog_proc.proc is not None
        rss = tree_rss_bytes(catalog_proc.proc.pid)
        result["index"] = {
            "build_s_to_ready": round(build_s, 1),
            "catalog_rss_mib": round(rss / 2**20, 1),
            "catalog_rss_growth_mib": round((rss - empty_rss) / 2**20, 1),
            "note": "build: process start to /readyz 200 (import, reading the database, "
            "indexing, commit), every worker building its own at once; memory: the catalog "
            "process tree (all workers), over the same with an empty catalogue",
        }
        if args.index_on_disk:
            result["index"]["size_on_disk_mib"] = round(du_bytes(index_parent) / 2**20, 1)
        print(f"loaded in {result['setup']['load_s']}s; index {result['index']}", flush=True)
        bases = {"engine": system.url("catalog")}
        if "database" in backends:
            port = free_port()
            env = system.env_for("catalog", port) | {
                "CREDMARKET_CATALOG_SEARCH_BACKEND": "database",
                "CREDMARKET_RUN_RELAY": "false",
            }
            db_process = ServiceProcess(
                "catalog", 1, port, env, STACK / "logs" / "bench" / system.prefix / "catalog-db.log"
            )
            await db_process.start()
            await db_process.wait_ready()
            bases["database"] = db_process.base_url
        async with aiohttp.ClientSession() as http:
            result["sequential"] = {}
            for backend in backends:
                print(f"{backend}: one client, sequential", flush=True)
                result["sequential"][backend] = await sequential(http, bases[backend], queries)
            for backend in backends:
                for rate in rates:
                    cpu_before, started_at = cpu.snapshot(), time.monotonic()
                    run_result = attack(
                        f"{backend} search",
                        targets(bases[backend], query_stream(queries)),
                        rate,
                        args.duration,
                    )
                    spent = time.monotonic() - started_at
                    cores = cpu.usage(cpu_before, cpu.snapshot(), spent)
                    answered = max(1, round(run_result["throughput_per_s"] * args.duration))
                    run_result["cpu_cores"] = cores
                    # Both catalog processes count as catalog; the other one idles meanwhile.
                    run_result["catalog_cpu_ms_per_answer"] = round(
                        cores.get("catalog", 0.0) * spent * 1000 / answered, 2
                    )
                    print(
                        f"  cores {cores}; catalog CPU ms/answer "
                        f"{run_result['catalog_cpu_ms_per_answer']}",
                        flush=True,
                    )
                    run_result["backend"] = backend
                    result["runs"].append(run_result)
                    await settle(f"{bases[backend]}/healthz")
            if not args.no_cached:
                result["cached"] = []
                for rate in (500, 1000):
                    before = await search_requests(http, bases["engine"])
                    stream = query_stream(queries)
                    cached_targets = (
                        target("GET", f"{system.gateway_url}/catalog/v1/offerings?{qs}")
                        for qs in stream
                    )
                    run_result = attack(
                        "engine via gateway cache", cached_targets, rate, args.duration
                    )
                    reached = await search_requests(http, bases["engine"]) - before
                    run_result["hit_ratio"] = round(1 - reached / max(run_result["requests"], 1), 3)
                    print(f"  hit ratio {run_result['hit_ratio']}", flush=True)
                    result["cached"].append(run_result)
                    await settle(f"{bases['engine']}/healthz")
            if not args.no_freshness:
                print("freshness: idle, then under a background search load", flush=True)
                result["freshness"] = {"idle": await freshness(system, http)}
                lines = targets(bases["engine"], query_stream(queries))
                with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
                    f.write("\n".join(next(lines) for _ in range(BACKGROUND_RATE * 120)))
                background = subprocess.Popen(  # noqa: S603, ASYNC220 - our vegeta, bounded
                    [
                        vegeta_bin(),
                        "attack",
                        "-format=json",
                        f"-targets={f.name}",
                        f"-rate={BACKGROUND_RATE}/s",
                        "-duration=120s",
                        "-timeout=10s",
                        "-output=/dev/null",
                    ],
                )
                try:
                    loaded = await freshness(system, http)
                finally:
                    background.terminate()
                    background.wait(10)
                    Path(f.name).unlink()  # noqa: ASYNC240 - a local temp file
                loaded["background_search_rate"] = BACKGROUND_RATE
                result["freshness"]["under_load"] = loaded
                for label, f in result["freshness"].items():
                    print(
                        f"  {label}: publish->searchable {f['publish_to_searchable_ms']}, "
                        f"retire->gone {f['retire_to_gone_ms']}",
                        flush=True,
                    )
    finally:
        if db_process is not None:
            await db_process.stop()
        await system.stop()
        shutil.rmtree(index_parent, ignore_errors=True)
    result["summary"] = summarise(result)
    result["load_before"] = load_before
    result["load_after"] = loadavg()
    return result


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    """p99 and throughput of the engine over PostgreSQL at each rate both ran."""
    by: dict[tuple[str, int], dict[str, Any]] = {
        (r["backend"], r["rate_offered"]): r for r in result["runs"]
    }
    out: dict[str, Any] = {}
    for (backend, rate), r in sorted(by.items()):
        if backend != "engine" or ("database", rate) not in by:
            continue
        d = by[("database", rate)]
        out[str(rate)] = {
            "engine_p99_ms": r["p99_ms"],
            "database_p99_ms": d["p99_ms"],
            "p99_ratio_database_over_engine": round(d["p99_ms"] / max(r["p99_ms"], 0.01), 1),
            "engine_ok_per_s": round(r["throughput_per_s"] * r["success_ratio"], 1),
            "database_ok_per_s": round(d["throughput_per_s"] * d["success_ratio"], 1),
        }
    return out


def options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--offerings", type=int, default=100_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per attack")
    parser.add_argument("--rates", default="100,250,500,1000")
    parser.add_argument("--backends", default="engine,database")
    # One worker per core, as the catalog is meant to run on this machine.
    parser.add_argument("--catalog-workers", type=int, default=2)
    parser.add_argument("--no-cached", action="store_true")
    parser.add_argument("--no-freshness", action="store_true")
    parser.add_argument(
        "--index-on-disk", action="store_true", help="CREDMARKET_CATALOG_SEARCH_INDEX_DIR set"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if not re.fullmatch(r"(engine|database)(,(engine|database))*", args.backends):
        raise SystemExit("--backends: engine and/or database")
    return args


def main() -> None:
    args = options()
    stop_cleanly_on_sigterm()
    result = asyncio.run(run(args))
    print(json.dumps(result["summary"], indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
