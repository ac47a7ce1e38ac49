"""Prometheus metrics of payments itself (the plumbing's are in credmarket_platform)."""

from prometheus_client import Counter

# Every one is a learner who has not got money back that we meant to give back: the
# CredmarketRefundNotPaidBack alert fires on it (infra/monitoring/alerts.yml).
REFUNDS_NOT_PAID_BACK = Counter(
    "credmarket_payments_refunds_not_paid_back_total",
    "Refunds Stripe refused, failed or canceled; stage: refused (at request), "
    "before_success (after pending), after_success (a succeeded refund that failed later)",
    ["origin", "stage"],
)
