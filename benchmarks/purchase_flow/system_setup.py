"""The system under test made ready: its provider and paid offering, known to enrollment;
localstripe's own webhook delivery on or off; a localstripe of the benchmark's own."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
from credmarket_testing.ports import free_port
from credmarket_testing.stripe_probe import register_stripe_webhook
from credmarket_testing.system import System
from credmarket_testing.wait import wait_until


async def prepare(system: System, http: aiohttp.ClientSession) -> tuple[dict[str, Any], str]:
    ops = {"Authorization": f"Bearer {system.token('ops')}"}
    catalog = system.url("catalog")
    async with http.post(
        f"{catalog}/v1/providers",
        json={"name": "Bench Academy", "contact_email": "bench@academy.example"},
        headers={**ops, "Idempotency-Key": str(uuid.uuid4())},
    ) as r:
        registered = await r.json()
        assert r.status == 201, registered
    async with http.post(
        f"{catalog}/v1/provider-tokens", json={"api_key": registered["api_key"]["key"]}
    ) as r:
        provider = (await r.json())["access_token"]
    auth = {"Authorization": f"Bearer {provider}"}
    async with http.post(
        f"{catalog}/v1/provider/offerings",
        json={
            "title": "Benchmarking Python Services",
            "description": "A short course with a graded final project.",
            "skills": ["python", "performance"],
            "level": "intermediate",
            "duration_minutes": 600,
            "language": "en",
            "price": {"amount": 4900, "currency": "EUR"},
            "achievement": {
                "name": "Benchmarking — Certified",
                "description": "Completed the course and passed its final project.",
                "criteria_narrative": "Pass the final project with at least 70%.",
                "image_url": "https://academy.example/badges/badge.png",
                "valid_for_days": 730,
            },
        },
        headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
    ) as r:
        draft = await r.json()
        assert r.status == 201, draft
    async with http.post(
        f"{catalog}/v1/provider/offerings/{draft['id']}/publish",
        headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
    ) as r:
        offering = await r.json()
        assert r.status in (200, 201), offering
    # Enrollment learns of the offering from catalog's events; issuance of the provider.
    last = ""

    async def enrollment_knows_it() -> bool:
        nonlocal last
        learner = system.token("learner", email="first@bench.example")
        async with http.post(
            f"{system.url('enrollment')}/v1/enrollments",
            json={"offering_id": offering["id"], "offering_version": offering["version"]},
            headers={"Authorization": f"Bearer {learner}", "Idempotency-Key": str(uuid.uuid4())},
        ) as r:
            last = await r.text()
            return r.status == 201

    await wait_until(
        enrollment_knows_it,
        timeout=30,
        interval=0.2,
        message=lambda: f"enrollment never learned the offering: {last}",
    )
    return offering, provider


async def localstripe_webhook(system: System, deliver: bool) -> None:
    """Let localstripe deliver to this system's payments, or not at all."""
    await register_stripe_webhook(
        system.infra.stripe_api_base,
        system.prefix,
        f"{system.url('payments')}/v1/stripe/webhook",
        system.webhook_secret,
        events=None if deliver else [],
    )


@contextlib.asynccontextmanager
async def private_localstripe() -> AsyncIterator[str]:
    """A localstripe of our own, from scratch: the stack's one is shared by every test run.

    It holds every object all test sessions ever created, and exporting a charge scans
    every refund in the store, so its cost per call grows with the whole team's history;
    it also posts each event to every webhook any session registered.
    """
    port = free_port()
    state = Path(tempfile.mkdtemp(prefix="bench-stripe-")) / "state.pickle"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "credmarket_infra.stack.localstripe_server",
        "--port",
        str(port),
        "--state",
        str(state),
        "--from-scratch",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:

            async def answers() -> bool:
                try:
                    async with http.get(
                        f"{base}/v1/customers", auth=aiohttp.BasicAuth("sk_test_x")
                    ):
                        return True
                except aiohttp.ClientError:
                    return False

            await wait_until(answers, timeout=10, interval=0.1, message="localstripe is not up")
        yield base
    finally:
        proc.terminate()
        await proc.wait()
