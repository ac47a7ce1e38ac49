# mypy: disable-error-code="no-untyped-call"
"""Stripe's failures, as payments classifies them: what heals and what never will."""

from __future__ import annotations

import pytest
import stripe
from credmarket_platform.failures import Failure
from payments.failures import PAYMENTS_FAILURES


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (stripe.APIConnectionError("timed out"), Failure.TRANSIENT),
        (stripe.RateLimitError("too many requests", http_status=429), Failure.TRANSIENT),
        (stripe.APIError("internal error", http_status=500), Failure.TRANSIENT),
        (stripe.APIError("bad gateway", http_status=502), Failure.TRANSIENT),
        # A concurrent request under the same idempotency key: settles when it ends.
        (stripe.InvalidRequestError("in use", None, http_status=409), Failure.TRANSIENT),
        (
            stripe.InvalidRequestError("amount too small", "amount", http_status=400),
            Failure.PERMANENT,
        ),
        (
            stripe.IdempotencyError("key reused with other parameters", http_status=400),
            Failure.PERMANENT,
        ),
        (stripe.CardError("declined", None, "card_declined", http_status=402), Failure.PERMANENT),
        (stripe.AuthenticationError("invalid API key", http_status=401), Failure.PERMANENT),
        (stripe.InvalidRequestError("no such intent", None, http_status=404), Failure.PERMANENT),
    ],
)
def test_stripe_errors(exc: Exception, expected: Failure) -> None:
    assert PAYMENTS_FAILURES.classify(exc) is expected


def test_stripes_own_word_wins() -> None:
    no_retry = stripe.APIError(
        "already done", http_status=500, headers={"Stripe-Should-Retry": "false"}
    )
    retry = stripe.InvalidRequestError(
        "lock timeout", None, http_status=400, headers={"stripe-should-retry": "true"}
    )
    assert PAYMENTS_FAILURES.classify(no_retry) is Failure.PERMANENT
    assert PAYMENTS_FAILURES.classify(retry) is Failure.TRANSIENT


def test_the_platforms_rules_still_apply() -> None:
    assert PAYMENTS_FAILURES.classify(ConnectionResetError(104, "reset")) is Failure.TRANSIENT
    assert PAYMENTS_FAILURES.classify(RuntimeError("a bug")) is Failure.UNKNOWN
