"""Request and response bodies of /v1/enrollments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from credmarket_events.values import Money
from credmarket_platform.http.pagination import NEXT_CURSOR_DESCRIPTION
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from enrollment.api.next_action import NextAction, next_action
from enrollment.domain.credential_links import credential_url
from enrollment.domain.enrollment import Enrollment
from enrollment.domain.status import EnrollmentStatus

# PostgreSQL integer columns: larger numbers could never match and would overflow a query.
MAX_INT4 = 2**31 - 1


def _no_nul(text: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it here rather than fail at the database.
    if "\x00" in text:
        raise ValueError("must not contain NUL characters")
    return text


CleanText = Annotated[str, AfterValidator(_no_nul)]


class PurchaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offering_id: UUID
    offering_version: int = Field(
        ge=1,
        le=MAX_INT4,
        description="The version the learner saw and accepts (price, content, credential).",
    )


class CompletionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    passed: bool
    score: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    evidence_url: CleanText | None = Field(default=None, pattern=r"^https?://\S+$", max_length=2048)
    evidence_narrative: CleanText | None = Field(default=None, min_length=1, max_length=5000)


class PaymentErrorView(BaseModel):
    reason: str
    decline_code: str | None
    failed_at: datetime


class PaymentView(BaseModel):
    """What the frontend needs to pay with Stripe.js, once payments created the intent."""

    payment_id: UUID | None
    stripe_payment_intent_id: str | None
    client_secret: str | None = Field(
        description="Only for the learner, only while the enrollment is pending payment."
    )
    last_error: PaymentErrorView | None
    needs_refund: bool = Field(
        description=(
            "A payment arrived that the marketplace must give back. Payments is asked to "
            "refund it automatically; the flag clears once the refund is made."
        )
    )


class ResultView(BaseModel):
    passed: bool
    score: float | None
    evidence_url: str | None
    evidence_narrative: str | None
    reported_at: datetime


class CredentialView(BaseModel):
    credential_id: UUID
    credential_url: str | None = Field(
        description="The signed credential (JSON-LD), public; null once revoked."
    )
    share_url: str | None = Field(
        description="The credential's page to share with people; null once revoked."
    )
    public_url: str | None = Field(
        deprecated=True, description="Deprecated: the same as `share_url`."
    )
    issued_at: datetime | None
    revoked_at: datetime | None


class EnrollmentView(BaseModel):
    id: UUID
    status: EnrollmentStatus
    learner_id: UUID
    learner_email: str
    offering_id: UUID
    offering_version: int
    provider_id: UUID
    price: Money = Field(description="What the learner pays: the price of the version bought.")
    quoted_price: Money = Field(deprecated=True, description="Deprecated: the same as `price`.")
    created_at: datetime
    payment_deadline: datetime | None
    activated_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    completed_at: datetime | None
    revoked_at: datetime | None
    revoke_reason: str | None
    payment: PaymentView
    result: ResultView | None
    credential: CredentialView | None
    next_action: NextAction = Field(description="What the frontend does next, and where.")

    @classmethod
    def of(cls, e: Enrollment, *, show_client_secret: bool, prefix: str = "") -> EnrollmentView:
        err, res, cred = e.last_payment_error, e.result, e.credential
        secret_visible = show_client_secret and e.status is EnrollmentStatus.PENDING_PAYMENT
        price = Money(amount=e.price.amount, currency=e.price.currency)
        return cls(
            id=e.id,
            status=e.status,
            learner_id=e.learner_id,
            learner_email=e.learner_email,
            offering_id=e.offering_id,
            offering_version=e.offering_version,
            provider_id=e.provider_id,
            price=price,
            quoted_price=price,
            created_at=e.created_at,
            payment_deadline=e.payment_deadline,
            activated_at=e.activated_at,
            cancelled_at=e.cancelled_at,
            cancel_reason=e.cancel_reason.value if e.cancel_reason else None,
            completed_at=e.completed_at,
            revoked_at=e.revoked_at,
            revoke_reason=e.revoke_reason,
            payment=PaymentView(
                payment_id=e.payment_id,
                stripe_payment_intent_id=e.stripe_payment_intent_id,
                client_secret=e.client_secret if secret_visible else None,
                last_error=(
                    PaymentErrorView(
                        reason=err.reason, decline_code=err.decline_code, failed_at=err.failed_at
                    )
                    if err
                    else None
                ),
                needs_refund=e.needs_refund,
            ),
            result=(
                ResultView(
                    passed=res.passed,
                    score=res.score,
                    evidence_url=res.evidence_url,
                    evidence_narrative=res.evidence_narrative,
                    reported_at=res.reported_at,
                )
                if res
                else None
            ),
            next_action=next_action(e, prefix=prefix, learner=show_client_secret),
            credential=(
                CredentialView(
                    credential_id=cred.credential_id,
                    credential_url=credential_url(cred.public_url),
                    share_url=cred.public_url,
                    public_url=cred.public_url,
                    issued_at=cred.issued_at,
                    revoked_at=cred.revoked_at,
                )
                if cred
                else None
            ),
        )


class EnrollmentPage(BaseModel):
    items: list[EnrollmentView]
    next_cursor: str | None = Field(description=NEXT_CURSOR_DESCRIPTION)
    total: int = Field(deprecated=True, description="Deprecated: pages have cursors now.")
    limit: int = Field(deprecated=True, description="Deprecated: the `limit` asked for.")
    offset: int = Field(deprecated=True, description="Deprecated: use `cursor`.")
