"""Which messages are due, leased to this worker: one at a time per endpoint and ordering
key, at most the endpoint's concurrency in flight (ADR 0023)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import sqlalchemy as sa
from credmarket_platform.db import Database

from catalog.db import webhook_repository as hooks
from catalog.db.tables import webhook_endpoints, webhook_messages
from catalog.webhooks.secrets import unseal

# Any constant unique within the catalog database (relay 0x0B0C, signing keys 0x0CA7).
_LOCK_NAMESPACE = 0x0CA8
# Longer than one attempt can take (its total timeout), so a lease never runs out
# under a message still being sent; a crashed worker's messages come back after it.
LEASE = timedelta(seconds=120)

_CLAIM = sa.text(
    """
    WITH in_flight AS (
        SELECT endpoint_id, count(*) AS n
        FROM webhook_messages
        WHERE status = 'pending' AND leased_until > :now
        GROUP BY endpoint_id
    ),
    heads AS (
        SELECT DISTINCT ON (endpoint_id, ordering_key)
               seq, endpoint_id, next_attempt_at, leased_until
        FROM webhook_messages
        WHERE status = 'pending'
        ORDER BY endpoint_id, ordering_key, seq
    ),
    due AS (
        SELECT h.seq, h.endpoint_id,
               row_number() OVER (PARTITION BY h.endpoint_id ORDER BY h.seq) AS rank
        FROM heads h JOIN webhook_endpoints e ON e.id = h.endpoint_id
        WHERE e.enabled AND e.deleted_at IS NULL
          AND h.next_attempt_at <= :now
          AND (h.leased_until IS NULL OR h.leased_until <= :now)
    )
    SELECT d.seq
    FROM due d LEFT JOIN in_flight f ON f.endpoint_id = d.endpoint_id
    WHERE d.rank <= :per_endpoint - coalesce(f.n, 0)
    ORDER BY d.seq
    LIMIT :limit
    """
)


@dataclass(frozen=True)
class Claimed:
    seq: int
    id: str
    endpoint_id: UUID
    provider_id: UUID
    url: str
    payload: str
    attempts: int
    enqueued_at: datetime
    event_time: datetime
    status_before: str
    leased_until: datetime
    secrets: list[str]


async def claim_due(
    db: Database, kek: bytes, *, now: datetime, per_endpoint: int, limit: int
) -> list[Claimed]:
    """Lease up to ``limit`` due messages, with what sending each needs."""
    async with db.unit_of_work() as uow:
        session = uow.session
        await session.execute(sa.select(sa.func.pg_advisory_xact_lock(_LOCK_NAMESPACE, 1)))
        seqs = list(
            await session.scalars(
                _CLAIM,
                {
                    "now": now,
                    "per_endpoint": per_endpoint,
                    "limit": limit,
                },
            )
        )
        if not seqs:
            return []
        rows = (
            await session.execute(
                sa.update(webhook_messages)
                .where(webhook_messages.c.seq.in_(seqs))
                .values(leased_until=now + LEASE)
                .returning(
                    webhook_messages.c.seq,
                    webhook_messages.c.id,
                    webhook_messages.c.endpoint_id,
                    webhook_messages.c.provider_id,
                    webhook_messages.c.payload,
                    webhook_messages.c.attempts,
                    webhook_messages.c.enqueued_at,
                    webhook_messages.c.event_time,
                    webhook_messages.c.status,
                    webhook_messages.c.leased_until,
                )
            )
        ).all()
        endpoint_ids = list({r.endpoint_id for r in rows})
        url_rows = await session.execute(
            sa.select(webhook_endpoints.c.id, webhook_endpoints.c.url).where(
                webhook_endpoints.c.id.in_(endpoint_ids)
            )
        )
        urls = {r.id: r.url for r in url_rows}
        secrets: dict[UUID, list[str]] = {}
        for s in await hooks.valid_secrets(session, endpoint_ids, now):
            secrets.setdefault(s.endpoint_id, []).append(unseal(kek, s.id, s.nonce, s.ciphertext))
        await uow.commit()
    return sorted(
        (
            Claimed(
                seq=r.seq,
                id=r.id,
                endpoint_id=r.endpoint_id,
                provider_id=r.provider_id,
                url=urls[r.endpoint_id],
                payload=r.payload,
                attempts=r.attempts,
                enqueued_at=r.enqueued_at,
                event_time=r.event_time,
                status_before=r.status,
                leased_until=r.leased_until,
                secrets=secrets.get(r.endpoint_id, []),
            )
            for r in rows
        ),
        key=lambda c: c.seq,
    )
