"""The public APIs under load at fixed request rates, next to a bare FastAPI endpoint.

    uv run python -m benchmarks.http_load [--offerings 100000] [--duration 10] [--out f.json]

Catalog search has a benchmark of its own (``benchmarks.search_engine``: the engine and
PostgreSQL side by side, a realistic corpus and query stream, the gateway cache apart).

Load generator: vegeta (``go install github.com/tsenart/vegeta/v12@latest``; Debian
has wrk but not wrk2, and wrk cannot hold a fixed rate). vegeta is open loop: it
sends at the given rate whatever the answers do, so a slow server shows up as
latency (no coordinated omission), and every request of POST targets carries its
own headers and body (unique Idempotency-Key and learner per enrollment).

Starts its own `System` on the local stack, loads ``--offerings`` published
offerings into its catalog database with COPY (the rows of
``benchmarks/catalog_search.py``), publishes one paid offering through the API,
plays one purchase to a credential (for the verify endpoint), and starts
``benchmarks.bare_app`` with the services' uvicorn settings. Then, for each
endpoint and rate, one vegeta attack; p50/p99 and errors from ``vegeta report``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from credmarket_testing.ports import free_port
from credmarket_testing.system import System
from credmarket_testing.wait import wait_until

from benchmarks.catalog_search import copy_catalog
from benchmarks.common import STACK, loadavg, machine, stack_infra, stop_cleanly_on_sigterm
from benchmarks.purchase_flow.driver import Driver
from benchmarks.purchase_flow.system_setup import localstripe_webhook, prepare


def vegeta_bin() -> str:
    found = shutil.which("vegeta") or str(Path.home() / "go" / "bin" / "vegeta")
    if not Path(found).exists():
        raise SystemExit("vegeta not found: go install github.com/tsenart/vegeta/v12@latest")
    return found


def target(
    method: str, url: str, headers: dict[str, str] | None = None, body: bytes | None = None
) -> str:
    t: dict[str, Any] = {"method": method, "url": url, "header": {}}
    for k, v in (headers or {}).items():
        t["header"][k] = [v]
    if body is not None:
        t["header"]["Content-Type"] = ["application/json"]
        t["body"] = base64.b64encode(body).decode()
    return json.dumps(t)


def attack(
    name: str, targets: Iterator[str], rate: int, duration: float, workers: int = 64
) -> dict[str, Any]:
    """One vegeta attack: ``rate`` requests/s (0: as fast as ``workers`` allow)."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        needed = int(rate * duration) + 10 if rate else int(4000 * duration)
        for _ in range(needed):
            f.write(next(targets) + "\n")
        path = f.name
    load_before = loadavg()
    cmd = [
        vegeta_bin(),
        "attack",
        "-format=json",
        f"-targets={path}",
        f"-duration={duration}s",
        "-timeout=10s",
        f"-rate={rate}/s" if rate else "-rate=0",
        f"-workers={workers}",
    ]
    if not rate:
        cmd.append(f"-max-workers={workers}")
    attack_out = subprocess.run(cmd, capture_output=True, check=True).stdout  # noqa: S603
    report = json.loads(
        subprocess.run(  # noqa: S603
            [vegeta_bin(), "report", "-type=json"],
            input=attack_out,
            capture_output=True,
            check=True,
        ).stdout
    )
    os.unlink(path)
    lat = report["latencies"]
    errors = sorted(set(report.get("errors") or []))[:5]
    result = {
        "endpoint": name,
        "rate_offered": rate or "max",
        "requests": report["requests"],
        "throughput_per_s": round(report["throughput"], 1),
        "success_ratio": round(report["success"], 4),
        "status_codes": report["status_codes"],
        "p50_ms": round(lat["50th"] / 1e6, 2),
        "p95_ms": round(lat["95th"] / 1e6, 2),
        "p99_ms": round(lat["99th"] / 1e6, 2),
        "max_ms": round(lat["max"] / 1e6, 2),
        "errors": errors,
        "load_before": load_before,
        "load_after": loadavg(),
    }
    print(
        f"{name:28s} rate {rate or 'max':>5} -> {result['throughput_per_s']:>7}/s ok "
        f"{result['success_ratio']:.3f}  p50 {result['p50_ms']:>8} ms  p99 "
        f"{result['p99_ms']:>8} ms  load {load_before}",
        flush=True,
    )
    return result


async def settle(url: str, timeout_s: float = 120.0) -> None:
    """Wait until an overloaded phase's backlog is gone: uvicorn finishes requests whose
    client gave up, and they would otherwise land on the next phase."""
    deadline = time.monotonic() + timeout_s
    quick = 0
    async with aiohttp.ClientSession() as http:
        while quick < 2 and time.monotonic() < deadline:
            started = time.monotonic()
            async with http.get(url) as r:
                await r.read()
            quick = quick + 1 if time.monotonic() - started < 0.05 else 0
            await asyncio.sleep(0.5)


def cycle(items: list[str]) -> Iterator[str]:
    while True:
        yield from items


async def load_offerings(system: System, n: int) -> list[uuid.UUID]:
    conn = await asyncpg.connect(
        system.database_url("catalog").replace("postgresql+asyncpg://", "postgresql://")
    )
    try:
        records = await copy_catalog(conn, n)
        return [r[0] for r in records]
    finally:
        await conn.close()


async def one_credential(
    system: System, http: aiohttp.ClientSession, offering: dict[str, Any], provider: str
) -> dict[str, Any]:
    """Play one purchase to its credential and fetch the signed credential."""
    await localstripe_webhook(system, deliver=False)
    driver = Driver(system, http, True, offering)
    driver.provider_token = provider
    ready = asyncio.Event()
    tail = asyncio.create_task(driver.tail(ready))
    await asyncio.wait_for(ready.wait(), 30)
    flows = await driver.run_phase(1, None, 1, 60)
    tail.cancel()
    flow = flows[0]
    assert not flow.error, flow.error
    auth = {"Authorization": f"Bearer {flow.learner}"}
    url = f"{system.url('enrollment')}/v1/enrollments/{flow.enrollment_id}"
    view: dict[str, Any] = {}

    async def issued() -> bool:
        async with http.get(url, headers=auth) as r:
            view.update(await r.json())
        return bool(view.get("credential"))

    await wait_until(issued, timeout=10, interval=0.1, message="no credential for the flow")
    credential_id = view["credential"]["credential_id"]
    async with http.get(f"{system.url('issuance')}/credentials/{credential_id}") as r:
        credential: dict[str, Any] = await r.json()
    return credential


def plan(quick: bool) -> dict[str, list[int]]:
    if quick:
        return {
            "bare": [500],
            "offering": [500],
            "enroll": [50],
            "verify": [50],
        }
    return {
        "bare": [500, 0],
        "offering": [500],
        "enroll": [50, 100],
        "verify": [100, 250, 500],
    }


async def run(
    n_offerings: int,
    duration: float,
    quick: bool,
    only: list[str] | None = None,
    rates: list[int] | None = None,
    issuance_workers: int = 1,
    catalog_workers: int = 1,
) -> dict[str, Any]:
    phases = {k: rates or v for k, v in plan(quick).items() if not only or k in only}
    infra = stack_infra()
    system = System(
        infra,
        logs_dir=STACK / "logs" / "bench",
        extra_env={"CREDMARKET_LOG_LEVEL": "WARNING"},
        service_env={
            "issuance": {"CREDMARKET_WEB_WORKERS": str(issuance_workers)},
            "catalog": {"CREDMARKET_WEB_WORKERS": str(catalog_workers)},
        },
    )
    bare_port = free_port()
    bare = subprocess.Popen(  # noqa: S603, ASYNC220 - started once, before any load
        [sys.executable, "-m", "benchmarks.bare_app", "--port", str(bare_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    result: dict[str, Any] = {
        "benchmark": "http_load",
        "machine": machine(),
        "setup": {
            "load_generator": "vegeta (open loop, fixed rate; rate 0 = as fast as 64 workers)",
            "offerings": n_offerings,
            "duration_s": duration,
            "services": "credmarket_testing.System, one uvicorn process per service, "
            "CREDMARKET_LOG_LEVEL=WARNING",
            "issuance_web_workers": issuance_workers,
            "catalog_web_workers": catalog_workers,
        },
        "runs": [],
    }
    await system.start()
    try:
        started = time.perf_counter()
        # Only the catalog phases read the offerings; a verify-only run skips the load.
        needs_catalog = "offering" in phases
        ids = await load_offerings(system, n_offerings) if needs_catalog else []
        result["setup"]["load_s"] = round(time.perf_counter() - started, 1)
        async with aiohttp.ClientSession() as http:
            offering, provider = await prepare(system, http)
            credential = await one_credential(system, http, offering, provider)
            async with http.get(f"http://127.0.0.1:{bare_port}/constant") as r:
                assert r.status == 200
        rnd = random.Random(7)
        catalog, enrollment, issuance = (
            system.url("catalog"),
            system.url("enrollment"),
            system.url("issuance"),
        )

        def enroll_targets() -> Iterator[str]:
            body = json.dumps(
                {"offering_id": offering["id"], "offering_version": offering["version"]}
            ).encode()
            i = 0
            while True:
                i += 1
                token = system.token("learner", email=f"load{i}@bench.example")
                yield target(
                    "POST",
                    f"{enrollment}/v1/enrollments",
                    {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
                    body,
                )

        verify_body = json.dumps(credential).encode()
        sources: dict[str, tuple[str, Any]] = {
            "bare": (
                "bare FastAPI GET /constant",
                lambda: cycle([target("GET", f"http://127.0.0.1:{bare_port}/constant")]),
            ),
            "offering": (
                "catalog GET /v1/offerings/{id}",
                lambda: (
                    target("GET", f"{catalog}/v1/offerings/{rnd.choice(ids)}") for _ in iter(int, 1)
                ),
            ),
            "enroll": ("enrollment POST /v1/enrollments", enroll_targets),
            "verify": (
                "issuance POST /v1/verify",
                lambda: cycle([target("POST", f"{issuance}/v1/verify", body=verify_body)]),
            ),
        }
        for key, key_rates in phases.items():
            name, make = sources[key]
            for rate in key_rates:
                result["runs"].append(attack(name, make(), rate, duration))
                await asyncio.sleep(1)
                if key == "offering":
                    await settle(f"{catalog}/v1/offerings?limit=1")
        # Sanity: what the verify endpoint said about the credential under load.
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{issuance}/v1/verify", json=credential) as r,
        ):
            result["verify_status"] = (await r.json()).get("status")
    finally:
        bare.terminate()
        bare.wait(10)
        await system.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offerings", type=int, default=100_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per attack")
    parser.add_argument("--quick", action="store_true", help="one rate per endpoint")
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--only", action="append", choices=list(plan(False)), help="run only these endpoints"
    )
    parser.add_argument("--rates", help="comma-separated rates for every endpoint run (0 = max)")
    parser.add_argument("--issuance-workers", type=int, default=1, help="CREDMARKET_WEB_WORKERS")
    parser.add_argument("--catalog-workers", type=int, default=1, help="CREDMARKET_WEB_WORKERS")
    args = parser.parse_args()
    stop_cleanly_on_sigterm()
    rates = [int(r) for r in args.rates.split(",")] if args.rates else None
    result = asyncio.run(
        run(
            args.offerings,
            args.duration,
            args.quick,
            args.only,
            rates,
            args.issuance_workers,
            args.catalog_workers,
        )
    )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
