"""Shapes of the earnings report."""

from __future__ import annotations

from uuid import UUID

from credmarket_events.values import Money
from pydantic import BaseModel, Field

_OLD = "Deprecated: the integer amount of the same name in `amounts`."


class LineAmounts(BaseModel):
    gross: Money = Field(description="Paid by learners.")
    platform_fee: Money
    provider_share: Money
    refunded: Money = Field(description="Refunded in the period (of any period's payments).")
    platform_fee_refunded: Money
    provider_share_refunded: Money
    net_provider_earnings: Money = Field(description="provider_share - provider_share_refunded")


class TotalAmounts(BaseModel):
    gross: Money
    refunded: Money
    platform_fee_net: Money
    net_provider_earnings: Money


class EarningsLine(BaseModel):
    provider_id: UUID
    offering_id: UUID
    period: str = Field(description="Calendar month in UTC, YYYY-MM.")
    payments: int = Field(description="Payments that succeeded in the period.")
    amounts: LineAmounts
    currency: str = Field(deprecated=True, description="Deprecated: each amount has its own.")
    gross: int = Field(deprecated=True, description=_OLD)
    platform_fee: int = Field(deprecated=True, description=_OLD)
    provider_share: int = Field(deprecated=True, description=_OLD)
    refunded: int = Field(deprecated=True, description=_OLD)
    platform_fee_refunded: int = Field(deprecated=True, description=_OLD)
    provider_share_refunded: int = Field(deprecated=True, description=_OLD)
    net_provider_earnings: int = Field(deprecated=True, description=_OLD)


class EarningsTotal(BaseModel):
    amounts: TotalAmounts
    currency: str = Field(deprecated=True, description="Deprecated: each amount has its own.")
    gross: int = Field(deprecated=True, description=_OLD)
    refunded: int = Field(deprecated=True, description=_OLD)
    platform_fee_net: int = Field(deprecated=True, description=_OLD)
    net_provider_earnings: int = Field(deprecated=True, description=_OLD)


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
