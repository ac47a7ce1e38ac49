"""GET earnings: a provider its own, ops anyone's."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from credmarket_events.values import Money
from credmarket_platform.auth import Principal, require, subject_uuid
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends, Query

from payments.api.dependencies import get_runtime
from payments.api.earnings_models import (
    EarningsLine,
    EarningsReport,
    EarningsTotal,
    LineAmounts,
    TotalAmounts,
)
from payments.db import repository
from payments.runtime import PaymentsRuntime

_TOTALS = ("gross", "refunded", "platform_fee_net", "net_provider_earnings")


def _money(amounts: dict[str, int], currency: str) -> dict[str, Money]:
    return {name: Money(amount=value, currency=currency) for name, value in amounts.items()}


router = APIRouter(prefix="/v1/earnings", tags=["earnings"])

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


@router.get(
    "",
    response_model=EarningsReport,
    responses=problem_responses(pt.FORBIDDEN, pt.INVALID_REQUEST, pt.SUBJECT_NOT_UUID),
    summary="Earnings per offering and month, net of refunds",
)
async def get_earnings(
    provider_id: Annotated[
        UUID | None, Query(description="Required for ops; a provider sees only its own.")
    ] = None,
    period_from: Annotated[
        str | None, Query(alias="from", pattern=MONTH, description="First month, YYYY-MM.")
    ] = None,
    period_to: Annotated[
        str | None, Query(alias="to", pattern=MONTH, description="Last month, YYYY-MM.")
    ] = None,
    principal: Principal = require("provider", "ops"),
    rt: PaymentsRuntime = Depends(get_runtime),
) -> EarningsReport:
    if principal.role == "provider":
        if provider_id is not None and not principal.is_subject(provider_id):
            raise ProblemError(403, "Forbidden", "a provider sees only its own earnings")
        provider_id = subject_uuid(principal)
    if period_from and period_to and period_from > period_to:
        raise ProblemError(422, "Invalid period", "`from` must not be after `to`")
    async with rt.db.unit_of_work() as uow:
        rows = await repository.earnings(uow.session, provider_id, period_from, period_to)
    lines: list[EarningsLine] = []
    sums: dict[str, dict[str, int]] = {}
    for r in rows:
        line = {
            "gross": r.gross,
            "platform_fee": r.platform_fee,
            "provider_share": r.provider_share,
            "refunded": r.refunded,
            "platform_fee_refunded": r.platform_fee_refunded,
            "provider_share_refunded": r.provider_share_refunded,
            "net_provider_earnings": r.provider_share - r.provider_share_refunded,
        }
        lines.append(
            EarningsLine(
                provider_id=r.provider_id,
                offering_id=r.offering_id,
                period=r.period,
                payments=r.payments,
                amounts=LineAmounts(**_money(line, r.currency)),
                currency=r.currency,
                **line,
            )
        )
        total = sums.setdefault(r.currency, dict.fromkeys(_TOTALS, 0))
        total["gross"] += r.gross
        total["refunded"] += r.refunded
        total["platform_fee_net"] += r.platform_fee - r.platform_fee_refunded
        total["net_provider_earnings"] += line["net_provider_earnings"]
    totals = [
        EarningsTotal(amounts=TotalAmounts(**_money(t, c)), currency=c, **t)
        for c, t in sorted(sums.items())
    ]
    return EarningsReport(
        provider_id=provider_id,
        period_from=period_from,
        period_to=period_to,
        lines=lines,
        totals=totals,
    )
