"""Which prices Stripe can charge: its currencies, their decimals, its minimum charges.

A published price is what every purchase of the offering will ask Stripe for. One
Stripe refuses (1 cent; a currency it does not take) fails every purchase in payments,
so it is refused here, at publish, with the reason (docs/adr/0020).

The data is Stripe's (docs.stripe.com/currencies: "Supported presentment currencies",
"Zero-decimal currencies", "Three-decimal currencies", "Special cases", "Minimum and
maximum charge amounts"). Our prices are integer minor units by ISO 4217's exponent
(credmarket_events.currencies); Stripe's amounts are in its own unit per currency,
which for most is the same. Where they differ (ISK: Stripe keeps two decimals, ISO
none; MGA: the reverse) the amount sent to Stripe would be off by 100x, so those are
refused rather than converted.

Stripe publishes a fixed minimum only for the currencies it settles in; in any other
presentment currency the minimum is whatever converts to the settlement currency's
minimum at the day's exchange rate. A price in such a currency cannot be checked, and
could be refused by Stripe on a later day, so the marketplace sells in the currencies
below only; the refusal names them.
"""

from __future__ import annotations

from decimal import Decimal

from credmarket_events.currencies import ISO_4217

from catalog.domain.violations import Violation


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Stripe's presentment currencies for card payments.
STRIPE_CURRENCIES: frozenset[str] = _codes(
    """
    USD AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CVE CZK DJF DKK DOP DZD EGP ETB EUR FJD FKP GBP
    GEL GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR ISK JMD JOD JPY KES KGS KHR KMF KRW
    KWD KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MUR MVR MWK MXN MYR MZN NAD
    NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SEK
    SGD SHP SLE SOS SRD STD SZL THB TJS TND TOP TRY TTD TWD TZS UAH UGX UYU UZS VND VUV WST
    XAF XCD XOF XPF YER ZAR ZMW
    """
)
# Amounts in whole units: 500 is ¥500.
STRIPE_ZERO_DECIMAL: frozenset[str] = _codes(
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF"
)
# Amounts in thousandths, whose last digit must be 0 (Stripe's partners take tens).
STRIPE_THREE_DECIMAL: frozenset[str] = _codes("BHD JOD KWD OMR TND")
THREE_DECIMAL_STEP = 10
# Stripe's fixed minimum charge per settlement currency, in major units.
STRIPE_MINIMUM_CHARGE: dict[str, Decimal] = {
    "USD": Decimal("0.50"),
    "AED": Decimal("2.00"),
    "AUD": Decimal("0.50"),
    "BGN": Decimal("1.00"),
    "BRL": Decimal("0.50"),
    "CAD": Decimal("0.50"),
    "CHF": Decimal("0.50"),
    "CZK": Decimal("15.00"),
    "DKK": Decimal("2.50"),
    "EUR": Decimal("0.50"),
    "GBP": Decimal("0.30"),
    "HKD": Decimal("4.00"),
    "HUF": Decimal("175.00"),
    "INR": Decimal("0.50"),
    "JPY": Decimal("50"),
    "MXN": Decimal("10"),
    "MYR": Decimal("2"),
    "NOK": Decimal("3.00"),
    "NZD": Decimal("0.50"),
    "PLN": Decimal("2.00"),
    "RON": Decimal("2.00"),
    "SEK": Decimal("3.00"),
    "SGD": Decimal("0.50"),
    "THB": Decimal("10"),
}
# "The amount value supports up to eight digits."
STRIPE_MAXIMUM_AMOUNT = 99_999_999


def stripe_decimals(currency: str) -> int:
    if currency in STRIPE_ZERO_DECIMAL:
        return 0
    if currency in STRIPE_THREE_DECIMAL:
        return 3
    return 2


def minimum_charge(currency: str) -> int | None:
    """Stripe's minimum charge in our minor units, where it has a fixed one."""
    major = STRIPE_MINIMUM_CHARGE.get(currency)
    if major is None or currency not in ISO_4217:
        return None
    return int(major.scaleb(ISO_4217[currency]))


def check_chargeable(amount: int, currency: str) -> list[Violation]:
    """Why Stripe would refuse to charge this price (nothing: it can be charged).

    Expects an amount and a known ISO 4217 currency; a price of 0 is free and never
    reaches Stripe.
    """
    if amount == 0:
        return []
    if currency not in STRIPE_CURRENCIES:
        return [
            Violation("price.currency", "not_chargeable", f"Stripe takes no payments in {currency}")
        ]
    out: list[Violation] = []
    if stripe_decimals(currency) != ISO_4217.get(currency):
        out.append(
            Violation(
                "price.currency",
                "not_chargeable",
                f"Stripe counts {currency} in {stripe_decimals(currency)} decimals where ISO "
                f"4217 uses {ISO_4217.get(currency)}; prices in {currency} are not supported",
            )
        )
    if currency in STRIPE_THREE_DECIMAL and amount % THREE_DECIMAL_STEP:
        out.append(
            Violation(
                "price.amount",
                "not_chargeable",
                f"Stripe charges {currency} in steps of {THREE_DECIMAL_STEP} minor units: the "
                "last digit must be 0",
            )
        )
    if amount > STRIPE_MAXIMUM_AMOUNT:
        out.append(
            Violation(
                "price.amount",
                "above_stripe_maximum",
                f"Stripe charges at most {STRIPE_MAXIMUM_AMOUNT} minor units",
            )
        )
    minimum = minimum_charge(currency)
    if minimum is None:
        sold_in = ", ".join(sorted(STRIPE_MINIMUM_CHARGE))
        out.append(
            Violation(
                "price.currency",
                "no_fixed_minimum",
                f"Stripe's minimum charge in {currency} follows the exchange rate, so a price "
                f"in it may be refused; sell in one of {sold_in}",
            )
        )
    elif amount < minimum:
        major = STRIPE_MINIMUM_CHARGE[currency]
        out.append(
            Violation(
                "price.amount",
                "below_stripe_minimum",
                f"Stripe's minimum charge is {major} {currency} ({minimum} minor units); "
                "a lower price is free (0) or at least that",
            )
        )
    return out
