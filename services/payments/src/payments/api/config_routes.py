"""GET /v1/config: what a frontend needs to start Stripe.js, from the API alone."""

from __future__ import annotations

import stripe
from credmarket_platform.http import problem_types as pt
from credmarket_platform.http.problems import ProblemError, problem_responses
from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from payments.api.dependencies import get_runtime
from payments.runtime import PaymentsRuntime

router = APIRouter(prefix="/v1/config", tags=["config"])


class PaymentsConfig(BaseModel):
    stripe_publishable_key: str = Field(
        description="For `Stripe(key)` in the browser; a publishable key is public by design."
    )
    stripe_api_version: str = Field(
        description="The Stripe API version payments creates PaymentIntents with; pass it "
        "as `Stripe(key, {apiVersion})` so Stripe.js reads them the same way."
    )
    stripe_js_url: str = Field(description="Where to load Stripe.js from.")


@router.get(
    "",
    summary="Stripe.js configuration: publishable key and API version (public)",
    responses=problem_responses(pt.TEMPORARILY_UNAVAILABLE),
)
async def payments_config(
    response: Response, rt: PaymentsRuntime = Depends(get_runtime)
) -> PaymentsConfig:
    key = rt.settings.stripe_publishable_key
    if not key:
        raise ProblemError(
            503, detail="CREDMARKET_STRIPE_PUBLISHABLE_KEY is not configured on payments"
        )
    # The same for every visitor and changes only with a deployment.
    response.headers["Cache-Control"] = "public, max-age=300"
    return PaymentsConfig(
        stripe_publishable_key=key,
        stripe_api_version=str(stripe.api_version),
        stripe_js_url=rt.settings.stripe_js_url,
    )
