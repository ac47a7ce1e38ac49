"""A tiny 'service' for the messaging plumbing's tests: one table of effects, one handler.

Also run as a subprocess (`python -m credmarket_testing.messaging_probe ...`) where a
test needs a replica to kill or a process that dies mid-way.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from credmarket_events.catalog import ProviderRegisteredV1
from credmarket_events.envelope import Envelope
from credmarket_platform.db import Database, platform_metadata
from credmarket_platform.messaging.consumer import ConsumerRunner
from credmarket_platform.messaging.handlers import HandlerContext, HandlerRegistry

test_metadata = sa.MetaData()
effects = sa.Table(
    "effects",
    test_metadata,
    # No unique constraint on purpose: a second effect of one event must be visible.
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("handled_by", sa.String(64), nullable=False),
    sa.Column("handled_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
)

FAIL_NAME = "always-fails"


def provider_event(name: str = "Acme", provider_id: uuid.UUID | None = None) -> Envelope[Any]:
    return Envelope(
        data=ProviderRegisteredV1(
            provider_id=provider_id or uuid.uuid4(),
            name=name,
            contact_email="ops@example.org",
            registered_at=datetime.now(UTC),
        ),
        source="/tests",
    )


async def create_schema(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(platform_metadata.create_all)
        await conn.run_sync(test_metadata.create_all)


def registry(worker: str, *, emit: bool = True) -> HandlerRegistry:
    reg = HandlerRegistry()

    async def handle_provider_registered(ctx: HandlerContext[ProviderRegisteredV1]) -> None:
        if ctx.data.name == FAIL_NAME:
            raise RuntimeError("this handler always fails for this event")
        await ctx.uow.session.execute(
            sa.insert(effects).values(
                event_id=ctx.envelope.id,
                key=str(ctx.data.provider_id),
                name=ctx.data.name,
                handled_by=worker,
            )
        )
        if emit:
            # An event caused by the consumed one, as a real handler would emit.
            ctx.emit(ProviderRegisteredV1(**{**ctx.data.model_dump(), "name": ctx.data.name + "!"}))

    reg.register(ProviderRegisteredV1, handle_provider_registered)
    return reg


async def effect_rows(db: Database) -> list[dict[str, Any]]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(sa.select(effects).order_by(effects.c.id))
        return [dict(r._mapping) for r in rows]


def runner(
    db: Database, bootstrap: str, group: str, topic: str, worker: str, **kw: Any
) -> ConsumerRunner:
    return ConsumerRunner(
        db,
        registry(worker, emit=kw.pop("emit", True)),
        bootstrap=bootstrap,
        group=group,
        topics=[topic],
        source="/tests",
        **kw,
    )


async def _replica_main(url: str, bootstrap: str, group: str, topic: str, worker: str) -> None:
    """Run one consumer replica until killed."""
    db = Database(url)
    r = runner(db, bootstrap, group, topic, worker, emit=False)
    await r.start()
    print("started", flush=True)
    await r.run()


async def _commit_then_die(url: str, prefix: str, event_id: str) -> None:
    """Commit an outbox row, then die by SIGKILL before any relay could publish it."""
    db = Database(url, topic_prefix=prefix)
    async with db.unit_of_work() as uow:
        env = provider_event("crash")
        uow.emit(Envelope(data=env.data, source=env.source, id=event_id))
        await uow.commit()
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "replica":
        asyncio.run(_replica_main(*args))
    elif mode == "commit-then-die":
        asyncio.run(_commit_then_die(*args))
