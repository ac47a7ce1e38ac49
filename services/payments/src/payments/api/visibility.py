"""Who may see which payment: ops all, a provider its offerings', a learner their own."""

from __future__ import annotations

from credmarket_platform.auth import Principal

from payments.db.tables import Payment


def may_see(principal: Principal, payment: Payment) -> bool:
    if principal.role == "ops":
        return True
    if principal.role == "provider":
        return principal.is_subject(payment.provider_id)
    return principal.is_subject(payment.learner_id)
