"""docs/benchmarks/search.md from the search benchmark's JSON results.

uv run python -m benchmarks.search_report RESULT.json [MORE.json ...] > search.md
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

P99_TARGET_MS = 20.0
FRESH_TARGET_MS = 1000.0


def _row(cells: list[Any]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def section(r: dict[str, Any]) -> list[str]:
    s = r["setup"]
    m = r["machine"]
    out = [
        f"## {s['offerings']:,} offerings",
        "",
        f"{m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}; "
        f"load average (1/5/15 min) before {r.get('load_before', m['load_1_5_15'])}, "
        f"after {r.get('load_after')}. Corpus: {s['offerings']:,} offerings over a "
        f"{s['vocabulary_words']:,}-word vocabulary, loaded in {s.get('load_s')} s (COPY + "
        f"VACUUM ANALYZE). Queries: {s['distinct_queries']:,} distinct "
        f"({', '.join(f'{k} {v}' for k, v in s['query_kinds'].items())}), {s['popularity']}. "
        f"Catalog: {s['catalog_web_workers']} uvicorn worker(s), index "
        f"{s.get('index', 'on disk')}; {s['duration_s']} s per attack.",
        "",
    ]
    idx = r.get("index", {})
    out += [
        "**Index.** Built from PostgreSQL in "
        f"**{idx.get('build_s_to_ready')} s** (process start to ready); catalog's memory "
        f"{idx.get('catalog_rss_mib')} MiB, {idx.get('catalog_rss_growth_mib')} MiB more "
        "than with an empty catalogue"
        + (f"; **{idx['size_on_disk_mib']} MiB on disk**" if "size_on_disk_mib" in idx else "")
        + ".",
        "",
    ]
    seq = r.get("sequential", {})
    if seq:
        backends = list(seq)
        out += [
            "**One client, sequential** (p50 / p99 ms; how many of the queries found anything):",
            "",
            _row(
                ["kind", *[f"{b} p50 / p99" for b in backends], *[f"{b} found" for b in backends]]
            ),
            _row(["---"] * (1 + 2 * len(backends))),
        ]
        for kind in seq[backends[0]]:
            cells: list[Any] = [kind]
            cells += [f"{seq[b][kind]['p50']} / {seq[b][kind]['p99']}" for b in backends]
            cells += [
                f"{seq[b][kind]['found_something']}/{seq[b][kind]['queries']}" for b in backends
            ]
            out.append(_row(cells))
        out.append("")
    runs = r.get("runs", [])
    if runs:
        out += [
            "**Open loop, no cache in front** (vegeta at a fixed rate; the same query stream "
            "for both):",
            "",
            _row(
                [
                    "backend",
                    "offered/s",
                    "achieved/s",
                    "ok",
                    "p50 ms",
                    "p95 ms",
                    "p99 ms",
                    "catalog CPU ms/answer",
                    "codes",
                    "load before → after",
                ]
            ),
            _row(["---"] * 10),
        ]
        for run in runs:
            out.append(
                _row(
                    [
                        run["backend"],
                        run["rate_offered"],
                        run["throughput_per_s"],
                        run["success_ratio"],
                        run["p50_ms"],
                        run["p95_ms"],
                        run["p99_ms"],
                        run.get("catalog_cpu_ms_per_answer", "-"),
                        run["status_codes"],
                        f"{run['load_before']} → {run['load_after']}",
                    ]
                )
            )
        out.append("")
    summary = r.get("summary", {})
    if summary:
        out += [
            "**Side by side:**",
            "",
            _row(
                [
                    "offered/s",
                    "engine p99 ms",
                    "PostgreSQL p99 ms",
                    "p99 ratio",
                    "engine ok/s",
                    "PostgreSQL ok/s",
                    "throughput ratio",
                ]
            ),
            _row(["---"] * 7),
        ]
        for rate, x in summary.items():
            ratio = round(x["engine_ok_per_s"] / max(x["database_ok_per_s"], 0.1), 1)
            out.append(
                _row(
                    [
                        rate,
                        x["engine_p99_ms"],
                        x["database_p99_ms"],
                        f"{x['p99_ratio_database_over_engine']} x",
                        x["engine_ok_per_s"],
                        x["database_ok_per_s"],
                        f"{ratio} x",
                    ]
                )
            )
        out.append("")
    cached = r.get("cached", [])
    if cached:
        out += [
            "**Through the gateway's 5 s microcache (reported apart, not the target's figure):**",
            "",
            _row(["offered/s", "achieved/s", "ok", "p50 ms", "p99 ms", "hit ratio"]),
            _row(["---"] * 6),
        ]
        for run in cached:
            out.append(
                _row(
                    [
                        run["rate_offered"],
                        run["throughput_per_s"],
                        run["success_ratio"],
                        run["p50_ms"],
                        run["p99_ms"],
                        run["hit_ratio"],
                    ]
                )
            )
        out.append("")
    fresh = r.get("freshness", {})
    if fresh:
        out += [
            "**Publish → searchable, retire → gone** (API answer to the first search that "
            "shows it, polled every 10 ms; outbox, relay, Kafka, the read model, commit):",
            "",
            _row(
                [
                    "when",
                    "offerings",
                    "publish p50 ms",
                    "publish p99 ms",
                    "retire p50 ms",
                    "retire p99 ms",
                ]
            ),
            _row(["---"] * 6),
        ]
        for label, f in fresh.items():
            when = label if label == "idle" else f"under {f.get('background_search_rate')}/s search"
            p, g = f["publish_to_searchable_ms"], f["retire_to_gone_ms"]
            out.append(_row([when, f["offerings"], p["p50"], p["p99"], g["p50"], g["p99"]]))
        out.append("")
    return out


def core_section(r: dict[str, Any]) -> list[str]:
    out = [
        f"## The engine alone, {r['offerings']:,} offerings, one process",
        "",
        f"`benchmarks.search_engine_core`: the same corpus and query stream straight into "
        f"`SearchIndex.search` (no HTTP, no database), {r['searches']:,} searches one after "
        f"another; load {r['load_before']} → {r['load_after']}. Built in memory in "
        f"{r['build_s_in_process']} s. CPU of the searching thread per search: p50 "
        f"{r['all_cpu_ms']['p50']} ms, p99 {r['all_cpu_ms']['p99']} ms, mean "
        f"{r['all_cpu_ms']['mean']} ms: **{r['searches_per_core_s']} searches/s per core**.",
        "",
        _row(["kind", "searches", "CPU p50 ms", "CPU p99 ms", "wall p50 ms", "wall p99 ms"]),
        _row(["---"] * 6),
    ]
    for kind, v in r["per_kind"].items():
        c, w = v["cpu_ms"], v["wall_ms"]
        out.append(_row([kind, c["count"], c["p50"], c["p99"], w["p50"], w["p99"]]))
    return [*out, ""]


def verdicts(results: list[dict[str, Any]]) -> list[str]:
    out = ["## Against the targets", "", _row(["target", "measured", "met"]), _row(["---"] * 3)]
    for r in results:
        if r.get("benchmark") != "search_engine":
            continue
        n = r["setup"]["offerings"]
        engine = {x["rate_offered"]: x for x in r.get("runs", []) if x["backend"] == "engine"}
        if n == 100_000 and 500 in engine:
            p99 = engine[500]["p99_ms"]
            out.append(
                _row(
                    [
                        f"p99 ≤ 20 ms at 500/s, {n:,} offerings, uncached",
                        p99,
                        "yes"
                        if p99 <= P99_TARGET_MS and engine[500]["success_ratio"] == 1
                        else "no",
                    ]
                )
            )
        if n >= 1_000_000 and 250 in engine:
            out.append(
                _row(
                    [f"{n:,} offerings: p99 at 250/s (measured)", engine[250]["p99_ms"], "reported"]
                )
            )
        for label, f in r.get("freshness", {}).items():
            for name, key in (
                ("publish → searchable", "publish_to_searchable_ms"),
                ("retire → gone", "retire_to_gone_ms"),
            ):
                p99 = f[key]["p99"]
                out.append(
                    _row(
                        [
                            f"{name} p99 ≤ 1 s ({label}, {n:,})",
                            p99,
                            "yes" if p99 <= FRESH_TARGET_MS else "no",
                        ]
                    )
                )
    return out


def report(results: list[dict[str, Any]]) -> str:
    out = [
        "# Catalog search: the engine and PostgreSQL",
        "",
        "Generated by `uv run python -m benchmarks.search_engine` (see its docstring) and "
        "`python -m benchmarks.search_report`. The machine is shared with other engineers' "
        "runs: read every figure with the load it was taken at. What the figures mean and "
        "what bounds them: [ADR 0022](../adr/0022-search-engine-read-model.md).",
        "",
    ]
    for r in results:
        out += core_section(r) if r.get("benchmark") == "search_engine_core" else section(r)
    out += verdicts(results)
    return "\n".join(out) + "\n"


def main() -> None:
    results = [json.loads(Path(p).read_text()) for p in sys.argv[1:]]
    sys.stdout.write(report(results))


if __name__ == "__main__":
    main()
