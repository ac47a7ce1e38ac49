"""Which failures of payments heal by themselves: the platform's rules plus Stripe's.

One place for the whole service: the consumer retries what is transient for as long as
it lasts and dead-letters what is permanent at once; the HTTP side answers a transient
failure 503 with Retry-After.
"""

from __future__ import annotations

import stripe
from credmarket_platform.failures import Failure, FailurePolicy


def stripe_rule(exc: BaseException) -> Failure | None:
    """Stripe unreachable, overloaded or failing (connection errors, 429, 409, 5xx) is
    transient; any other answer of Stripe's (a 4xx: a bad request, a declined card, a
    wrong key) will be the same next time.

    Stripe may say so itself (``Stripe-Should-Retry``), and its word wins. 409 is a
    conflict with a concurrent request under the same idempotency key (it settles when
    that one ends), which Stripe's own client retries too.
    """
    if not isinstance(exc, stripe.StripeError):
        return None
    if isinstance(exc, stripe.APIConnectionError):
        return Failure.TRANSIENT
    headers = {str(k).lower(): str(v) for k, v in (exc.headers or {}).items()}
    should_retry = headers.get("stripe-should-retry")
    if should_retry == "true":
        return Failure.TRANSIENT
    if should_retry == "false":
        return Failure.PERMANENT
    status = exc.http_status
    if status is None:
        return Failure.UNKNOWN
    if status in (409, 429) or status >= 500:
        return Failure.TRANSIENT
    return Failure.PERMANENT


PAYMENTS_FAILURES = FailurePolicy(stripe_rule)


def is_transient(exc: BaseException) -> bool:
    return PAYMENTS_FAILURES.classify(exc) is Failure.TRANSIENT
