"""Shapes of a provider's payment settings."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field


class StripeAccountIn(BaseModel):
    stripe_account_id: str = Field(
        pattern=r"^acct_[A-Za-z0-9]{1,250}$",
        description="The provider's Stripe Connect account; payments then transfer to it.",
    )


class StripeAccountView(BaseModel):
    provider_id: UUID
    stripe_account_id: str
    updated_at: datetime
