"""The delivery worker: takes due messages, sends them, records every attempt.

Several workers may run (one per replica or web worker). A claim is serialised by a
transaction-scoped advisory lock and leases its messages for a while, so that one
message is sent by one worker at a time. Only the first pending message of each
endpoint and ordering key (an enrollment) is ever due, which keeps one enrollment's
deliveries in order while others go ahead; and an endpoint never has more than
``webhook_endpoint_concurrency`` messages in flight, so a slow receiver holds a few
of the worker's slots, never all of them (ADR 0023).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import httpx
import sqlalchemy as sa
from credmarket_events.catalog import WebhookEndpointDisabledV1
from credmarket_platform.db import Database

from catalog.clock import Clock
from catalog.db import webhook_repository as hooks
from catalog.db.tables import webhook_attempts, webhook_endpoints, webhook_messages
from catalog.domain.webhook_retry import RetryPolicy
from catalog.domain.webhook_signature import signature_header
from catalog.settings import CatalogSettings
from catalog.webhooks.claims import Claimed, claim_due
from catalog.webhooks.fanout import WEBHOOK_CHANNEL, enqueue
from catalog.webhooks.metrics import (
    WEBHOOK_ATTEMPTS,
    WEBHOOK_BACKLOG,
    WEBHOOK_ENDPOINTS_DISABLED,
    WEBHOOK_EVENT_TO_DELIVERY,
    WEBHOOK_FAILING_ENDPOINTS,
)
from catalog.webhooks.sender import Attempt, SendLimits, send

log = logging.getLogger(__name__)

SOURCE = "/catalog"
_COALESCE_S = 0.01


class DeliveryWorker:
    def __init__(
        self,
        db: Database,
        kek: bytes,
        settings: CatalogSettings,
        clock: Clock,
        *,
        client: httpx.AsyncClient | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.kek = kek
        self.settings = settings
        self.clock = clock
        self.rng = rng or random.Random()
        self.policy = RetryPolicy(
            initial=timedelta(seconds=settings.webhook_backoff_initial_s),
            cap=timedelta(seconds=settings.webhook_backoff_max_s),
            window=timedelta(seconds=settings.webhook_retry_window_s),
        )
        self.limits = SendLimits(
            connect_timeout_s=settings.webhook_connect_timeout_s,
            total_timeout_s=settings.webhook_timeout_s,
            excerpt_bytes=settings.webhook_response_excerpt_bytes,
            allow_private=settings.webhooks_allow_private,
        )
        self.client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(
                settings.webhook_timeout_s, connect=settings.webhook_connect_timeout_s
            ),
            limits=httpx.Limits(
                max_connections=settings.webhook_max_in_flight, max_keepalive_connections=32
            ),
            # Never the machine's proxy settings: the address we checked is the one used.
            trust_env=False,
        )
        self._wake = asyncio.Event()
        self._stopping = False
        self._in_flight: set[asyncio.Task[None]] = set()

    # --- the loop ------------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        listener = await self._listen()
        loop = asyncio.get_running_loop()
        gauges_due = 0.0
        try:
            while not self._stopping:
                self._wake.clear()
                try:
                    await self.deliver_due()
                    if loop.time() >= gauges_due:
                        await self.update_gauges()
                        await self.forget_old()
                        gauges_due = loop.time() + 5.0
                except Exception as exc:  # the database may be away for a while
                    log.warning("webhook delivery: %s; retrying", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._wake.wait(), timeout=self.settings.webhook_poll_interval_s
                    )
                    # Wakes come per committed event and per finished send: gather the
                    # ones of the next few milliseconds into one claim.
                    await asyncio.sleep(_COALESCE_S)
        finally:
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)
            if listener is not None:
                with contextlib.suppress(Exception):
                    await listener.close()

    async def deliver_due(self) -> int:
        """Claim what is due and start sending it; returns how many were claimed."""
        room = self.settings.webhook_max_in_flight - len(self._in_flight)
        if room <= 0:
            return 0
        claimed = await self.claim(room)
        for message in claimed:
            task = asyncio.create_task(self._deliver(message))
            self._in_flight.add(task)
            task.add_done_callback(self._done)
        return len(claimed)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        # A finished message may make the next of its enrollment due.
        self._wake.set()

    async def drain(self) -> None:
        """Wait for every send in flight (tests, shutdown)."""
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)

    # --- claim, send, record -------------------------------------------------------

    async def claim(self, limit: int) -> list[Claimed]:
        return await claim_due(
            self.db,
            self.kek,
            now=self.clock.now(),
            per_endpoint=self.settings.webhook_endpoint_concurrency,
            limit=limit,
        )

    async def _deliver(self, message: Claimed) -> None:
        try:
            attempt = await self.attempt(message)
            await self.record(message, attempt)
        except Exception:
            # The lease runs out and the message is tried again.
            log.exception("webhook %s: attempt not recorded", message.id)

    async def attempt(self, message: Claimed) -> Attempt:
        body = message.payload.encode()
        timestamp = int(self.clock.now().timestamp())
        headers = {
            "webhook-id": message.id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature_header(message.secrets, message.id, timestamp, body),
            "accept-encoding": "identity",
        }
        return await send(self.client, message.url, headers, body, self.limits)

    async def record(self, message: Claimed, attempt: Attempt) -> None:
        """The attempt, the message's new state and the endpoint's health, in one
        transaction. The endpoint row is locked first, as the API locks it before it
        touches the endpoint's messages (removal, re-enabling): the same order
        everywhere, so the two never deadlock."""
        now = self.clock.now()
        WEBHOOK_ATTEMPTS.labels(attempt.outcome).inc()
        attempts = message.attempts + 1
        error = None if attempt.ok else attempt.error or f"HTTP {attempt.status_code}"
        async with self.db.unit_of_work() as uow:
            session = uow.session
            health = (
                dict(failing_since=None, last_error=None, last_success_at=now)
                if error is None
                else dict(
                    failing_since=sa.func.coalesce(webhook_endpoints.c.failing_since, now),
                    last_error=error[:500],
                )
            )
            endpoint = (
                await session.execute(
                    sa.update(webhook_endpoints)
                    .where(webhook_endpoints.c.id == message.endpoint_id)
                    .values(**health)
                    .returning(
                        webhook_endpoints.c.enabled,
                        webhook_endpoints.c.failing_since,
                        webhook_endpoints.c.url,
                        webhook_endpoints.c.deleted_at,
                    )
                )
            ).one()
            await session.execute(
                sa.insert(webhook_attempts).values(
                    message_seq=message.seq,
                    attempted_at=now,
                    status_code=attempt.status_code,
                    error=attempt.error,
                    latency_ms=attempt.latency_ms,
                    response_excerpt=attempt.excerpt,
                )
            )
            if error is None:
                state: dict[str, Any] = dict(status="delivered", delivered_at=now)
            elif endpoint.deleted_at is not None:
                # Removed while this attempt was on its way: nothing more will go.
                state = dict(status="failed")
            else:
                retry_at = self.policy.next_attempt(message.enqueued_at, attempts, now, self.rng)
                state = dict(
                    status="pending" if retry_at is not None else "failed",
                    next_attempt_at=retry_at or now,
                )
            # The outcome lands only while our lease holds: a redelivery asked meanwhile
            # (which drops the lease) must not be overwritten by it, nor a newer claim's.
            ours = webhook_messages.c.leased_until == message.leased_until
            outcome = {
                name: sa.case((ours, value), else_=webhook_messages.c[name])
                for name, value in {**state, "leased_until": None}.items()
            }
            await session.execute(
                sa.update(webhook_messages)
                .where(webhook_messages.c.seq == message.seq)
                .values(attempts=webhook_messages.c.attempts + 1, last_attempt_at=now, **outcome)
            )
            exhausted = self.policy.endpoint_exhausted(endpoint.failing_since, now)
            if error is not None and endpoint.enabled and exhausted:
                await self._disable(uow, message, endpoint.url, endpoint.failing_since, now, error)
            await uow.commit()
        if error is None and message.attempts == 0:
            WEBHOOK_EVENT_TO_DELIVERY.observe(max((now - message.event_time).total_seconds(), 0.0))

    async def _disable(
        self,
        uow: Any,
        message: Claimed,
        url: str,
        failing_since: datetime,
        now: datetime,
        error: str,
    ) -> None:
        await hooks.update_endpoint(
            uow.session,
            message.endpoint_id,
            enabled=False,
            disabled_reason="failing",
            disabled_at=now,
            updated_at=now,
        )
        # Ops hear of it on the bus (credmarket-ops tail), in the overview and through
        # the alert on the counter; the provider sees the endpoint disabled, with the
        # reason, through the API.
        envelope = uow.emit_new(
            WebhookEndpointDisabledV1(
                endpoint_id=message.endpoint_id,
                provider_id=message.provider_id,
                url=url,
                failing_since=failing_since,
                disabled_at=now,
                last_error=error[:500],
            ),
            SOURCE,
        )
        # And the provider's other endpoints that asked for it (this one is disabled now,
        # so it is not among them).
        await enqueue(
            uow.session, envelope, message.provider_id, f"endpoint:{message.endpoint_id}", now
        )
        WEBHOOK_ENDPOINTS_DISABLED.inc()
        log.warning(
            "webhook endpoint %s of provider %s disabled: failing since %s (%s)",
            message.endpoint_id,
            message.provider_id,
            failing_since.isoformat(),
            error,
        )

    async def forget_old(self) -> None:
        before = self.clock.now() - timedelta(seconds=self.settings.webhook_log_retention_s)
        async with self.db.unit_of_work() as uow:
            await hooks.forget_before(uow.session, before)
            await uow.commit()

    async def update_gauges(self) -> None:
        async with self.db.engine.connect() as conn:
            backlog = await conn.scalar(
                sa.select(sa.func.count())
                .select_from(webhook_messages)
                .where(webhook_messages.c.status == "pending")
            )
            failing = await conn.scalar(
                sa.select(sa.func.count())
                .select_from(webhook_endpoints)
                .where(
                    webhook_endpoints.c.enabled.is_(True),
                    webhook_endpoints.c.failing_since.is_not(None),
                    webhook_endpoints.c.deleted_at.is_(None),
                )
            )
        WEBHOOK_BACKLOG.set(backlog or 0)
        WEBHOOK_FAILING_ENDPOINTS.set(failing or 0)

    async def _listen(self) -> asyncpg.Connection | None:
        try:
            conn = await asyncpg.connect(self.db.asyncpg_dsn())
            await conn.add_listener(WEBHOOK_CHANNEL, lambda *_: self._wake.set())
            return conn
        except Exception as exc:  # polling still delivers, only slower
            log.warning("webhook delivery: LISTEN unavailable (%s); polling only", exc)
            return None


@contextlib.asynccontextmanager
async def running_delivery(worker: DeliveryWorker) -> AsyncIterator[DeliveryWorker]:
    task = asyncio.create_task(worker.run(), name="catalog-webhook-delivery")
    try:
        yield worker
    finally:
        worker.stop()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, timeout=15)
        await worker.client.aclose()
