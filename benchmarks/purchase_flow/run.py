"""The phases in order on a System of the benchmark's own: floor, max, fixed, and the
flows with localstripe's own webhook delivery."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from credmarket_testing.infra import Infra
from credmarket_testing.system import System

from benchmarks import cpu
from benchmarks.common import STACK, loadavg, machine, stack_infra
from benchmarks.purchase_flow.analysis import HOPS, analyse, read_events
from benchmarks.purchase_flow.driver import TOPICS, Driver, Flow, sustained_rate
from benchmarks.purchase_flow.floor import IDLE_S, idle_cost, kafka_floor, postgres_floor
from benchmarks.purchase_flow.system_setup import localstripe_webhook, prepare, private_localstripe

log = logging.getLogger("purchase_flow")


@dataclass(frozen=True)
class Options:
    """What one run is asked for (the command line's options)."""

    n: int  # flows per phase
    rate: float | None  # the fixed phase's flows/s; None: half of what max sustained
    max_inflight: int
    webhook: str  # "self" (the driver delivers, signed) or "localstripe"
    localstripe_n: int  # flows with localstripe's own delivery; 0: no such phase
    log_level: str
    timeout_s: float  # per flow
    shared_stripe: bool = False  # the stack's localstripe instead of a fresh one


async def run(options: Options) -> dict[str, Any]:
    async with contextlib.AsyncExitStack() as stack:
        infra = stack_infra()
        if not options.shared_stripe:
            infra = dataclasses.replace(
                infra, stripe_api_base=await stack.enter_async_context(private_localstripe())
            )
        result = await _run(infra, options)
        shared = options.shared_stripe
        result["setup"]["localstripe"] = "shared (the stack's)" if shared else "private"
        return result


async def _run(infra: Infra, options: Options) -> dict[str, Any]:
    n, rate, webhook, log_level = options.n, options.rate, options.webhook, options.log_level
    max_inflight, localstripe_n, timeout_s = (
        options.max_inflight,
        options.localstripe_n,
        options.timeout_s,
    )
    system = System(
        infra,
        logs_dir=STACK / "logs" / "bench",
        extra_env={
            "CREDMARKET_LOG_LEVEL": log_level,
            "CREDMARKET_ENROLLMENT_PAYMENT_WINDOW_S": "3600",
        },
    )
    result: dict[str, Any] = {
        "benchmark": "purchase_flow",
        "machine": machine(),
        "setup": {
            "system": "credmarket_testing.System: 4 services, 1 process each, own databases "
            "and topics (6 partitions) on the local stack's Kafka/PostgreSQL/localstripe",
            "log_level": log_level,
            "webhook": webhook,
            "n": n,
            "rate": rate,
            "max_inflight": max_inflight,
        },
        "hops": HOPS,
    }
    await system.start()
    try:
        # uvicorn closes a keep-alive connection idle for 5 s; a client that keeps it
        # longer (aiohttp: 15 s) sometimes sends on a socket the server just closed.
        connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, keepalive_timeout=4)
        async with aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=60)
        ) as http:
            offering, provider = await prepare(system, http)
            result["floor"] = {
                **(await kafka_floor(infra)),
                **(
                    await postgres_floor(
                        system.database_url("enrollment").replace(
                            "postgresql+asyncpg://", "postgresql://"
                        )
                    )
                ),
                "load_after": loadavg(),
            }
            result["idle"] = await idle_cost(IDLE_S)
            # The max phase first: the fixed phase's default rate is half of what the
            # system just sustained ("p99 ... at half that rate", issue 11).
            phases: list[tuple[str, int, float | None, bool]] = [
                ("max", n, None, webhook == "self"),
                ("fixed", n, rate, webhook == "self"),
            ]
            if localstripe_n:
                phases.append(("localstripe_delivery", localstripe_n, rate, False))
            all_flows: dict[str, list[Flow]] = {}
            driver = Driver(system, http, True, offering)
            driver.provider_token = provider
            ready = asyncio.Event()
            tail = asyncio.create_task(driver.tail(ready))
            await asyncio.wait_for(ready.wait(), 30)
            sustained: float | None = None
            for name, count, phase_rate, self_webhook in phases:
                if phase_rate is None and name != "max":
                    phase_rate = round(max(1.0, (sustained or 2.0) / 2), 1)
                await localstripe_webhook(system, deliver=not self_webhook)
                driver.self_webhook = self_webhook
                load_before = loadavg()
                log.warning("phase %s: %d flows at %s/s", name, count, phase_rate or "max")
                cpu_before, started = cpu.snapshot(), time.monotonic()
                flows = await driver.run_phase(count, phase_rate, max_inflight, timeout_s)
                elapsed = time.monotonic() - started
                cores = cpu.usage(cpu_before, cpu.snapshot(), elapsed)
                all_flows[name] = flows
                done = sum(1 for f in flows if not f.error) or 1
                if name == "max":
                    sustained = sustained_rate(flows)
                shed, driver.shed = driver.shed, 0
                result.setdefault("phases", {})[name] = {
                    "shed_and_retried": shed,
                    "rate_offered": phase_rate,
                    "load_before": load_before,
                    "load_after": loadavg(),
                    "cpu_cores": cores,
                    "cpu_ms_per_flow": {
                        k: round(v * elapsed * 1000 / done, 2) for k, v in cores.items()
                    },
                }
                await asyncio.sleep(1)
            tail.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await tail
            events = await read_events(infra, [system.topic(t) for t in TOPICS])
            for name, flows in all_flows.items():
                result["phases"][name].update(analyse(flows, events))
    finally:
        await system.stop()
    return result
