"""What the search benchmark measures beside latency: loading the corpus, the index build,
memory and disk, the catalog's own request count, and one client asking in turn."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from credmarket_testing.system import System

from benchmarks.catalog_search import OFFERING_COLUMNS, copy_providers
from benchmarks.common import percentiles
from benchmarks.search_corpus import Corpus

SEQUENTIAL_PER_KIND = 40


async def load_corpus(system: System, corpus: Corpus) -> float:
    started = time.perf_counter()
    conn = await asyncpg.connect(
        system.database_url("catalog").replace("postgresql+asyncpg://", "postgresql://")
    )
    try:
        await copy_providers(conn, corpus.providers)
        for i in range(0, len(corpus.rows), 50_000):
            await conn.copy_records_to_table(
                "offerings", records=corpus.rows[i : i + 50_000], columns=OFFERING_COLUMNS
            )
        await conn.execute("VACUUM ANALYZE offerings")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def restart_and_build(system: System) -> float:
    """Restart catalog on the loaded database: its index is built before it is ready."""
    p = system.replicas["catalog"][0]
    await p.stop()
    started = time.perf_counter()
    await p.start()
    await p.wait_ready(timeout_s=3600)
    return time.perf_counter() - started


def du_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and its descendants (uvicorn's workers)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(x.split()[1]) for x in status.splitlines() if x.startswith("VmRSS"))
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total * 1024


async def sequential(
    http: aiohttp.ClientSession, base: str, queries: list[tuple[str, str]]
) -> dict[str, Any]:
    by_kind: dict[str, list[str]] = {}
    for kind, qs in queries:
        by_kind.setdefault(kind, [])
        if len(by_kind[kind]) < SEQUENTIAL_PER_KIND:
            by_kind[kind].append(qs)
    out: dict[str, Any] = {}
    for kind, items in by_kind.items():
        times: list[float] = []
        found = 0
        statuses: Counter[int] = Counter()
        for qs in items:
            started = time.perf_counter()
            async with http.get(f"{base}/v1/offerings?{qs}") as r:
                body = await r.read()
            times.append((time.perf_counter() - started) * 1000)
            statuses[r.status] += 1
            if r.status == 200 and json.loads(body)["items"]:
                found += 1
        out[kind] = {
            "queries": len(items),
            "found_something": found,
            "statuses": dict(statuses),
            **{k: v for k, v in percentiles(times).items() if k in ("p50", "p99", "max")},
        }
        print(
            f"  {kind:10s} p50 {out[kind]['p50']:>7} ms  p99 {out[kind]['p99']:>7} ms  "
            f"found {found}/{len(items)}",
            flush=True,
        )
    return out


async def search_requests(http: aiohttp.ClientSession, base: str) -> float:
    """Catalog's own count of answered search requests (its Prometheus counter)."""
    async with http.get(f"{base}/metrics") as r:
        text = await r.text()
    total = 0.0
    for line in text.splitlines():
        if line.startswith("credmarket_http_requests_total") and 'route="/v1/offerings"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total
