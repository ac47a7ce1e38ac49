"""The search engine alone, in one process: what one search costs without HTTP.

    uv run python -m benchmarks.search_engine_core [--offerings 100000] [--searches 5000]

Builds the index of benchmarks/search_corpus.py in memory (no database, no broker),
then runs the Zipf query stream through ``SearchIndex.search`` one after another and
reports, per kind of query, wall time and the CPU time of the searching thread (the
engine searches in the calling thread), and what one core could answer per second.
Next to the HTTP figures of benchmarks.search_engine this separates the engine's cost
from the web stack's.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from typing import Any
from urllib.parse import parse_qsl

from catalog.domain.search_query import SearchQuery
from catalog.domain.search_syntax import parse_search_text
from catalog.search.index import SearchIndex
from catalog.search.schema import IndexedOffering

from benchmarks.common import loadavg, machine, percentiles
from benchmarks.search_corpus import Corpus, build_corpus, build_queries, query_stream


def indexed(corpus: Corpus) -> list[IndexedOffering]:
    names = dict(corpus.providers)
    out = []
    for r in corpus.rows:
        view = {"id": str(r[0]), "title": r[4], "description": r[5]}
        out.append(
            IndexedOffering(
                r[0], r[1], names[r[1]], r[4], r[5], tuple(r[6]), r[8], r[10], r[9], r[11],
                r[12], r[16], view,
            )
        )  # fmt: skip
    return out


def search_args(qs: str) -> tuple[SearchQuery, tuple[str, ...]]:
    p = dict(parse_qsl(qs))
    facets = tuple(p.pop("facets").split(",")) if "facets" in p else ()
    query = SearchQuery(
        text=p.get("q"),
        skill=p.get("skill"),
        level=p.get("level"),
        language=p.get("language"),
        free=True if p.get("free") == "true" else None,
        price_min=int(p["price_min"]) if "price_min" in p else None,
        price_max=int(p["price_max"]) if "price_max" in p else None,
        currency=p.get("currency"),
    )
    return query, facets


def run(offerings: int, searches: int) -> dict[str, Any]:
    before = loadavg()
    corpus = build_corpus(offerings)
    queries = build_queries(corpus)
    kind_of = {qs: kind for kind, qs in queries}
    index = SearchIndex(None)
    started = time.perf_counter()
    index.add_all(indexed(corpus))
    index.commit()
    build_s = time.perf_counter() - started
    wall: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    stream = query_stream(queries)
    for i in range(searches + 200):
        qs = next(stream)
        query, facets = search_args(qs)
        parsed = parse_search_text(query.text) if query.text else None
        w0, c0 = time.perf_counter(), time.thread_time()
        index.search(query, parsed, None, facets)
        if i >= 200:  # the first ones warm the caches
            wall[kind_of[qs]].append((time.perf_counter() - w0) * 1000)
            cpu[kind_of[qs]].append((time.thread_time() - c0) * 1000)
    all_cpu = [v for vs in cpu.values() for v in vs]
    return {
        "benchmark": "search_engine_core",
        "machine": machine(),
        "offerings": offerings,
        "searches": searches,
        "build_s_in_process": round(build_s, 1),
        "per_kind": {
            k: {"wall_ms": percentiles(wall[k]), "cpu_ms": percentiles(cpu[k])} for k in wall
        },
        "all_cpu_ms": percentiles(all_cpu),
        "searches_per_core_s": round(1000 / (sum(all_cpu) / len(all_cpu)), 1),
        "load_before": before,
        "load_after": loadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--offerings", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=5000)
    parser.add_argument("--out")
    args = parser.parse_args()
    result = run(args.offerings, args.searches)
    print(json.dumps(result, indent=2))
    if args.out:
        with open(args.out, "w") as f:
            f.write(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
