"""Keeps this replica's index equal to the published offerings in PostgreSQL.

Start: note the end offsets of catalog's own topics (offerings, providers), load every
published offering from the database (the source of truth) into a fresh index, then
follow the topics from the noted offsets. An event only says *which* offering (or
provider) changed, by its record key; the follower reads that offering's current row
and replaces or removes its document. So order, duplicates and redeliveries cannot
leave the index behind the database, and a provider's rename (which offering events do
not carry) re-indexes its offerings. Anything committed before the snapshot is in it;
anything committed after has its event at or after the noted offsets.

No consumer group: every replica reads every partition from where its own snapshot
began and commits nothing, so replicas never rebalance against one another and leave
no group state behind. The replica is ready (``/readyz``) once it has applied
everything up to the end offsets seen after its snapshot.

The follower runs in a thread of its own, with its own event loop, consumer and
database connections: an HTTP event loop saturated with searches does not delay
indexing (the engine releases the GIL while it indexes and commits).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from credmarket_events.topics import CATALOG_OFFERINGS, CATALOG_PROVIDERS
from credmarket_platform.db import Database
from credmarket_platform.messaging.kafka import ensure_topics

from catalog.api.offering_views import offering_view
from catalog.db.tables import offerings, providers
from catalog.search.index import SearchIndex
from catalog.search.metrics import (
    SEARCH_APPLY_LAG,
    SEARCH_DOCUMENTS,
    SEARCH_EVENTS_APPLIED,
    SEARCH_READY,
)
from catalog.search.schema import IndexedOffering
from catalog.settings import CatalogSettings

log = logging.getLogger(__name__)

SNAPSHOT_BATCH = 2000
REFRESH_BATCH = 500


class SearchNotReady(Exception):
    pass


@dataclass
class FollowState:
    """What /readyz and ops want to know about the read model."""

    ready: bool = False
    documents: int = 0
    snapshot_s: float | None = None
    events_applied: int = 0
    last_applied_at: float | None = None
    last_error: str | None = None
    targets: dict[TopicPartition, int] = field(default_factory=dict)


def _published_rows() -> sa.Select[Any]:
    o, p = offerings, providers
    columns = [c for c in o.c if c.name not in ("search", "skills_text")]
    return (
        sa.select(*columns, p.c.name.label("provider_name"))
        .join(p, p.c.id == o.c.provider_id)
        .where(o.c.status == "published")
    )


def indexed_offering(row: Any) -> IndexedOffering:
    view = offering_view(row).model_dump(mode="json")
    return IndexedOffering(
        id=row.id,
        provider_id=row.provider_id,
        provider_name=row.provider_name,
        title=row.title,
        description=row.description or "",
        skills=tuple(row.skills),
        level=row.level,
        language=row.language,
        duration_minutes=row.duration_minutes,
        price_amount=row.price_amount or 0,
        price_currency=row.price_currency,
        published_at=row.published_at,
        view=view,
    )


def _keys(values: Iterable[bytes | None]) -> set[UUID]:
    out: set[UUID] = set()
    for raw in values:
        try:
            out.add(UUID((raw or b"").decode()))
        except (ValueError, UnicodeDecodeError):
            log.warning("search: a record without an id key was skipped: %r", raw)
    return out


class SearchReadModel:
    def __init__(self, settings: CatalogSettings) -> None:
        self.settings = settings
        self.state = FollowState()
        self.index: SearchIndex | None = None
        self._directory: Path | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._db: Database | None = None
        self._topics = [
            settings.topic(CATALOG_OFFERINGS.name),
            settings.topic(CATALOG_PROVIDERS.name),
        ]

    # --- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        self._directory = await asyncio.to_thread(self._make_directory)
        self.index = SearchIndex(self._directory, self.settings.search_writer_heap_mb * 1_000_000)
        self._thread = threading.Thread(
            target=self._thread_main, name="catalog-search-follower", daemon=True
        )
        self._thread.start()

    def _thread_main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._task = loop.create_task(self._run())
        try:
            loop.run_until_complete(self._task)
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("search follower crashed")
        finally:
            loop.run_until_complete(self._close_connections())
            loop.close()

    async def _close_connections(self) -> None:
        if self._consumer is not None:
            with contextlib.suppress(Exception):
                await self._consumer.stop()
        if self._db is not None:
            with contextlib.suppress(Exception):
                await self._db.dispose()

    def _make_directory(self) -> Path | None:
        parent = self.settings.search_index_dir
        if not parent:
            return None  # in memory
        Path(parent).mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="catalog-search-", dir=parent))

    async def stop(self) -> None:
        if self.settings.web_workers > 1:
            _mark_worker_ready(False)
        loop, task, thread = self._loop, self._task, self._thread
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):  # its loop already closed
                loop.call_soon_threadsafe(task.cancel)
        if thread is not None:
            await asyncio.to_thread(thread.join, 30)
        if self.index is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.index.close)
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)

    def ready_index(self) -> SearchIndex:
        if not self.state.ready or self.index is None:
            raise SearchNotReady("the search index is being built")
        return self.index

    async def check_ready(self) -> None:
        """For /readyz: raises until the index has caught up, and, with several uvicorn
        workers (which share the port, so a probe reaches any one of them), until every
        worker's index has."""
        if not self.state.ready:
            raise SearchNotReady("catching up")
        if self._thread is None or not self._thread.is_alive():
            raise SearchNotReady("the follower stopped")
        workers = self.settings.web_workers
        if workers > 1 and await asyncio.to_thread(_ready_workers) < workers:
            raise SearchNotReady("another worker is catching up")

    # --- the work -------------------------------------------------------------------

    async def _run(self) -> None:
        # Few connections: one snapshot stream, then one query per batch of events.
        self._db = Database(self.settings.database_url, pool_size=2, max_overflow=1)
        backoff = 0.5
        while True:
            try:
                await self._build_and_follow()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # E.g. the broker or the database away at start-up: try again, not ready.
                self.state.last_error = f"{type(exc).__name__}: {exc}"[:300]
                log.exception("search read model failed; retrying in %.1fs", backoff)
                self.state.ready = False
                if self._consumer is not None:
                    with contextlib.suppress(Exception):
                        await self._consumer.stop()
                    self._consumer = None
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def _build_and_follow(self) -> None:
        assert self.index is not None
        await ensure_topics(
            self.settings.kafka_bootstrap,
            self._topics,
            partitions=CATALOG_OFFERINGS.partitions,
            config=CATALOG_OFFERINGS.config(),
        )
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.settings.kafka_bootstrap,
            group_id=None,
            enable_auto_commit=False,
            client_id=f"{self.settings.service_name}-search",
        )
        self._consumer = consumer
        await consumer.start()
        partitions = await self._partitions()
        consumer.assign(partitions)
        start = await consumer.end_offsets(partitions)

        began = time.monotonic()
        self.state.ready = False
        # A retry after a failure starts again from an empty index.
        self.index.clear()
        SEARCH_READY.set(0)
        self.state.documents = await self._snapshot()
        SEARCH_DOCUMENTS.set(self.state.documents)
        self.state.snapshot_s = time.monotonic() - began
        log.info(
            "search index built: %d offerings in %.2fs", self.state.documents, self.state.snapshot_s
        )
        for tp in partitions:
            consumer.seek(tp, start[tp])
        self.state.targets = await consumer.end_offsets(partitions)
        await self._follow(consumer, partitions)

    @property
    def db(self) -> Database:
        assert self._db is not None
        return self._db

    async def _partitions(self) -> list[TopicPartition]:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.settings.kafka_bootstrap)
        await admin.start()
        try:
            described = await admin.describe_topics(self._topics)
        finally:
            await admin.close()
        found: list[TopicPartition] = []
        for topic in described:
            if topic["error_code"] != 0:
                raise RuntimeError(f"topic {topic['topic']}: error {topic['error_code']}")
            found += [TopicPartition(topic["topic"], p["partition"]) for p in topic["partitions"]]
        return sorted(found)

    async def _snapshot(self) -> int:
        assert self.index is not None
        total = 0
        async with self.db.engine.connect() as conn:
            result = await conn.stream(
                _published_rows().execution_options(yield_per=SNAPSHOT_BATCH)
            )
            async for rows in result.partitions(SNAPSHOT_BATCH):
                total += self.index.add_all([indexed_offering(r) for r in rows])
        self.index.commit()
        return total

    async def _follow(self, consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> None:
        offerings_topic = self._topics[0]
        caught_up = False
        while True:
            if not caught_up and await self._caught_up(consumer, partitions):
                caught_up = self.state.ready = True
                SEARCH_READY.set(1)
                if self.settings.web_workers > 1:
                    _mark_worker_ready(True)
                log.info("search index caught up: ready")
            batch = await consumer.getmany(timeout_ms=100, max_records=REFRESH_BATCH)
            if not batch:
                continue
            offering_ids: set[UUID] = set()
            provider_ids: set[UUID] = set()
            published_ms: list[int] = []
            for tp, records in batch.items():
                SEARCH_EVENTS_APPLIED.labels(tp.topic).inc(len(records))
                published_ms += [r.timestamp for r in records]
                keys = _keys(r.key for r in records)
                (offering_ids if tp.topic == offerings_topic else provider_ids).update(keys)
            await self._refresh(offering_ids, provider_ids)
            now = time.time()
            for ms in published_ms:
                SEARCH_APPLY_LAG.observe(max(0.0, now - ms / 1000))
            self.state.events_applied += len(published_ms)
            self.state.last_applied_at = now

    async def _caught_up(
        self, consumer: AIOKafkaConsumer, partitions: list[TopicPartition]
    ) -> bool:
        for tp in partitions:
            if await consumer.position(tp) < self.state.targets.get(tp, 0):
                return False
        return True

    async def _refresh(self, offering_ids: set[UUID], provider_ids: set[UUID]) -> None:
        """Re-read what changed and replace it in one commit; retried until the
        database answers, so an event is never dropped."""
        assert self.index is not None
        o = offerings
        backoff = 0.2
        while True:
            try:
                rows: list[Any] = []
                async with self.db.engine.connect() as conn:
                    if offering_ids:
                        stmt = _published_rows().where(o.c.id.in_(offering_ids))
                        rows += (await conn.execute(stmt)).all()
                    if provider_ids:
                        stmt = _published_rows().where(o.c.provider_id.in_(provider_ids))
                        rows += (await conn.execute(stmt)).all()
                break
            except Exception as exc:
                self.state.last_error = f"{type(exc).__name__}"
                log.warning("search refresh failed (%r); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
        # Blocking, in this thread of its own; the engine releases the GIL meanwhile.
        self.index.replace(offering_ids, [indexed_offering(r) for r in rows])
        self.state.documents = self.index.num_docs
        SEARCH_DOCUMENTS.set(self.state.documents)


def _ready_dir() -> Path:
    """Where the workers of one server (children of one uvicorn parent) leave a mark
    once their index has caught up."""
    return Path(tempfile.gettempdir()) / f"catalog-search-ready-{os.getppid()}"


def _mark_worker_ready(ready: bool) -> None:
    mark = _ready_dir() / str(os.getpid())
    with contextlib.suppress(OSError):
        if ready:
            mark.parent.mkdir(exist_ok=True)
            mark.touch()
        else:
            mark.unlink(missing_ok=True)


def _ready_workers() -> int:
    """Live sibling workers whose index has caught up (a dead one's mark is ignored)."""
    count = 0
    with contextlib.suppress(OSError):
        for mark in _ready_dir().iterdir():
            with contextlib.suppress(ValueError, OSError):
                os.kill(int(mark.name), 0)
                count += 1
    return count


@contextlib.asynccontextmanager
async def running_read_model(model: SearchReadModel) -> AsyncIterator[None]:
    await model.start()
    try:
        yield
    finally:
        await model.stop()
