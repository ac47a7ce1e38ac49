"""Shapes of the earnings report."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field


class EarningsLine(BaseModel):
    provider_id: UUID
    offering_id: UUID
    period: str = Field(description="Calendar month in UTC, YYYY-MM.")
    currency: str
    payments: int = Field(description="Payments that succeeded in the period.")
    gross: int = Field(description="Paid by learners, minor units.")
    platform_fee: int
    provider_share: int
    refunded: int = Field(description="Refunded in the period (of any period's payments).")
    platform_fee_refunded: int
    provider_share_refunded: int
    net_provider_earnings: int = Field(description="provider_share - provider_share_refunded")


class EarningsTotal(BaseModel):
    currency: str
    gross: int
    refunded: int
    platform_fee_net: int
    net_provider_earnings: int


class EarningsReport(BaseModel):
    provider_id: UUID | None = Field(description="None: every provider (ops only).")
    period_from: str | None
    period_to: str | None
    fee_rounding: str = Field(
        default="platform fee = amount x rate rounded half up to a minor unit; "
        "refunds take back the fee pro rata to the cumulative refunded amount, floored"
    )
    lines: list[EarningsLine]
    totals: list[EarningsTotal]
