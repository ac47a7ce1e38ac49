"""Ops records a provider's Stripe Connect account (learned at the provider's onboarding)."""

from __future__ import annotations

from uuid import UUID

from credmarket_platform.auth import Principal, require
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends

from payments.actions import provider_accounts
from payments.api.dependencies import get_runtime
from payments.api.providers_models import StripeAccountIn, StripeAccountView
from payments.db.tables import ProviderAccount
from payments.runtime import PaymentsRuntime

router = APIRouter(prefix="/v1/providers", tags=["providers"])


@router.put(
    "/{provider_id}/stripe-account",
    response_model=StripeAccountView,
    responses=problem_responses(pt.FORBIDDEN),
    summary="Set the provider's Stripe connected account (applies to new payments)",
)
async def put_stripe_account(
    provider_id: UUID,
    body: StripeAccountIn,
    _principal: Principal = require("ops"),
    rt: PaymentsRuntime = Depends(get_runtime),
) -> StripeAccountView:
    now = await provider_accounts.set_stripe_account(rt, provider_id, body.stripe_account_id)
    return StripeAccountView(
        provider_id=provider_id, stripe_account_id=body.stripe_account_id, updated_at=now
    )


@router.get(
    "/{provider_id}/stripe-account",
    response_model=StripeAccountView,
    responses=problem_responses(pt.FORBIDDEN, pt.NOT_FOUND),
    summary="The provider's Stripe connected account",
)
async def get_stripe_account(
    provider_id: UUID,
    principal: Principal = require("provider", "ops"),
    rt: PaymentsRuntime = Depends(get_runtime),
) -> StripeAccountView:
    if principal.role == "provider" and not principal.is_subject(provider_id):
        raise ProblemError(403, "Forbidden", "a provider sees only its own account")
    async with rt.db.unit_of_work() as uow:
        row = await uow.session.get(ProviderAccount, provider_id)
        if row is None:
            raise ProblemError(404, detail=f"provider {provider_id} has none set")
        return StripeAccountView(
            provider_id=row.provider_id,
            stripe_account_id=row.stripe_account_id,
            updated_at=row.updated_at,
        )
