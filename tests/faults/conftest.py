"""Fault tests: the four services as real processes, driven over HTTP, with faults injected.

The pieces live in credmarket_testing; this file only makes them fixtures:

- ``system``: one marketplace (System) shared by every fault module that needs no
  special settings, with settings that make recovery quick (reconciliation after 2 s,
  fast consumer back-off). Tests use their own providers and learners, so they do
  not see each other's flows. ``start_system`` for a module that needs its own.
- ``shop`` / ``patient_shop``: the marketplace as its actors play it (credmarket_testing.shop).
- ``ledger``: the end-of-test check that nothing was lost and nothing done twice
  (credmarket_testing.ledger); ``dead_letters``: the system's dead-letter topics.
- ``stripe_probe``: a second webhook endpoint at the Stripe stand-in, registered after the
  system's own (credmarket_testing.stripe_probe).
- ``broker``: stop and start the local stack's Kafka (skips elsewhere).
- ``stripe_faults``: errors and slow answers armed in front of the Stripe stand-in's API.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from credmarket_infra.stack.config import find_project_root, load_running_config
from credmarket_testing.broker import LocalBroker
from credmarket_testing.infra import Infra
from credmarket_testing.kafka import delete_topics
from credmarket_testing.ledger import DeadLetters, Ledger, dead_letter_topics
from credmarket_testing.shop import PatientShop, Shop
from credmarket_testing.stripe_faults import StripeFaults
from credmarket_testing.stripe_probe import StripeProbe, stripe_watermark
from credmarket_testing.system import System

# Recovery without waiting minutes. Knobs without an alias of their own are read as
# CREDMARKET_<FIELD NAME> (ServiceSettings' env_prefix).
FAST_RECOVERY = {
    "CREDMARKET_RECONCILE_AFTER_S": "2",
    "CREDMARKET_RECONCILE_INTERVAL_S": "0.5",
    "CREDMARKET_ENROLLMENT_SWEEP_INTERVAL_S": "1",
    "CREDMARKET_CONSUMER_MAX_ATTEMPTS": "6",
    "CREDMARKET_CONSUMER_BACKOFF_INITIAL_S": "0.1",
    "CREDMARKET_CONSUMER_BACKOFF_MAX_S": "1.0",
    # A Stripe call that hangs is given up on quickly (a fault test makes one hang).
    "CREDMARKET_PAYMENTS_STRIPE_TIMEOUT_S": "5",
    "CREDMARKET_STRIPE_MAX_NETWORK_RETRIES": "1",
}


@contextlib.asynccontextmanager
async def running_system(
    infra: Infra,
    logs_dir: Path,
    *,
    replicas: dict[str, int] | None = None,
    db_proxies: tuple[str, ...] = (),
    private_stripe: bool = False,
    **env: str,
) -> AsyncIterator[System]:
    system = System(
        infra,
        logs_dir,
        extra_env={**FAST_RECOVERY, **env},
        db_proxies=db_proxies,
        private_stripe=private_stripe,
    )
    try:
        await system.start(replicas=replicas)
        yield system
    finally:
        await system.stop()
        # System.stop deletes the system's topics but not the groups' dead-letter topics.
        await delete_topics(infra.kafka_bootstrap, dead_letter_topics(system))


@pytest.fixture(scope="session")
def recovery_env() -> dict[str, str]:
    """The settings every fault test's system runs with (FAST_RECOVERY)."""
    return dict(FAST_RECOVERY)


@pytest.fixture(scope="session")
def faults_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("faults-logs")


StartSystem = Callable[..., contextlib.AbstractAsyncContextManager[System]]


@pytest.fixture(scope="session")
def start_system(infra: Infra, faults_logs: Path) -> StartSystem:
    """For a module that needs a system of its own: `async with start_system(replicas=...)`."""
    return functools.partial(running_system, infra, faults_logs)


@pytest.fixture(scope="session")
async def system(infra: Infra, faults_logs: Path) -> AsyncIterator[System]:
    async with running_system(infra, faults_logs) as running:
        yield running


@pytest.fixture(scope="session")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


@pytest.fixture
def shop(system: System, http: httpx.AsyncClient) -> Shop:
    return Shop(system, http)


@pytest.fixture
def patient_shop(system: System, http: httpx.AsyncClient) -> PatientShop:
    return PatientShop(system, http)


@pytest.fixture
async def stripe_faults(system: System, http: httpx.AsyncClient) -> AsyncIterator[StripeFaults]:
    faults = StripeFaults(system.stripe_api_base, http)
    yield faults
    for name in faults.armed:
        await faults.disarm(name)


@pytest.fixture(scope="session")
async def stripe_probe(system: System) -> AsyncIterator[StripeProbe]:
    probe = StripeProbe(system.stripe_api_base, system.webhook_secret)
    await probe.start()
    yield probe
    await probe.stop()


@pytest.fixture
async def broker(infra: Infra) -> AsyncIterator[LocalBroker]:
    try:
        config = load_running_config(find_project_root())
    except RuntimeError:
        config = None
    if config is None or config.kafka_bootstrap != infra.kafka_bootstrap:
        pytest.skip(
            f"the broker at {infra.kafka_bootstrap} is not the local stack's Kafka: "
            "this test stops and starts it with credmarket-stack's kafka.down/up"
        )
    local = LocalBroker(config)
    if not local.running():
        pytest.skip("the local stack's Kafka is not running under credmarket-stack")
    try:
        yield local
    finally:
        if not local.running():  # a failure mid-outage must not leave everyone without Kafka
            await local.start()


@pytest.fixture
def dead_letters(system: System) -> DeadLetters:
    return DeadLetters(system)


@pytest.fixture
async def ledger(system: System, http: httpx.AsyncClient) -> Ledger:
    """Made when the test starts, before its journeys (see stripe_watermark)."""
    return Ledger(system, http, await stripe_watermark(http, system.stripe_api_base))
