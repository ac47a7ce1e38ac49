"""A provider's Stripe Connect account, recorded by ops (learned at the provider's
onboarding); new payments are split to it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy.dialects.postgresql import insert as pg_insert

from payments.db.tables import provider_accounts_table
from payments.runtime import PaymentsRuntime


async def set_stripe_account(
    rt: PaymentsRuntime, provider_id: UUID, stripe_account_id: str
) -> datetime:
    """Record (or replace) the account; when it was recorded."""
    now = rt.clock()
    async with rt.db.unit_of_work() as uow:
        stmt = pg_insert(provider_accounts_table).values(
            provider_id=provider_id, stripe_account_id=stripe_account_id, updated_at=now
        )
        await uow.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["provider_id"],
                set_={"stripe_account_id": stripe_account_id, "updated_at": now},
            )
        )
        await uow.commit()
    return now
