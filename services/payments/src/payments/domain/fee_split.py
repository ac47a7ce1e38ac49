"""How a payment is split between the platform and the provider.

The platform's fee is ``amount * rate_bps / 10_000`` rounded half up to a whole minor
unit; the provider gets the rest, so the two always add up to the amount exactly.
Half up (rather than banker's rounding) because it is what a provider can recompute
by hand from the published rate.
"""

from __future__ import annotations

from dataclasses import dataclass

BPS_DENOMINATOR = 10_000


@dataclass(frozen=True, slots=True)
class Split:
    platform_fee: int
    provider_share: int


def _round_half_up_div(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def split_payment(amount: int, rate_bps: int) -> Split:
    if amount < 0:
        raise ValueError("amount must not be negative")
    if not 0 <= rate_bps <= BPS_DENOMINATOR:
        raise ValueError("rate_bps must be between 0 and 10000")
    fee = _round_half_up_div(amount * rate_bps, BPS_DENOMINATOR)
    return Split(platform_fee=fee, provider_share=amount - fee)


def split_refund(*, amount: int, platform_fee: int, refunded_before: int, refunding: int) -> Split:
    """The part of a refund taken back from the platform's fee and from the provider.

    The fee is refunded pro rata to the *cumulative* refunded amount, floored, and this
    refund takes the difference: partial refunds then never drift, and once the whole
    payment is refunded the whole fee is too.
    """
    if amount <= 0:
        raise ValueError("amount must be positive")
    if refunding <= 0 or refunded_before < 0 or refunded_before + refunding > amount:
        raise ValueError("refund out of range")
    if not 0 <= platform_fee <= amount:
        raise ValueError("platform_fee out of range")
    fee_before = platform_fee * refunded_before // amount
    fee_after = platform_fee * (refunded_before + refunding) // amount
    fee_part = fee_after - fee_before
    return Split(platform_fee=fee_part, provider_share=refunding - fee_part)
