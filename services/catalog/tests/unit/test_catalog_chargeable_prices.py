"""Prices Stripe can charge: its currencies, decimals, minimums and maximum, as data."""

from __future__ import annotations

from dataclasses import replace

import pytest
from catalog.domain.chargeable_prices import (
    STRIPE_CURRENCIES,
    STRIPE_MINIMUM_CHARGE,
    STRIPE_THREE_DECIMAL,
    STRIPE_ZERO_DECIMAL,
    check_chargeable,
    minimum_charge,
    stripe_decimals,
)
from catalog.domain.offering_content import OfferingContent
from catalog.domain.offering_rules import check_draft, check_publishable
from credmarket_events.currencies import ISO_4217


def codes(amount: int, currency: str) -> list[tuple[str, str]]:
    return [(v.field, v.code) for v in check_chargeable(amount, currency)]


@pytest.mark.parametrize(
    ("currency", "minimum"),
    [
        ("EUR", 50),  # 0.50 EUR, in cents
        ("USD", 50),
        ("GBP", 30),
        ("HKD", 400),
        ("HUF", 17500),  # 175.00 HUF: two decimals for charges
        ("CZK", 1500),
        ("JPY", 50),  # zero-decimal: ¥50 is 50, not 5000
        ("MXN", 1000),
        ("THB", 1000),
    ],
)
def test_minimums_are_in_our_minor_units(currency: str, minimum: int) -> None:
    assert minimum_charge(currency) == minimum
    assert codes(minimum, currency) == []
    assert codes(minimum - 1, currency) == [("price.amount", "below_stripe_minimum")]


def test_one_minor_unit_is_refused_and_free_is_fine() -> None:
    assert codes(1, "EUR") == [("price.amount", "below_stripe_minimum")]
    assert codes(0, "EUR") == []  # free: never reaches Stripe


def test_a_currency_stripe_does_not_take_is_refused() -> None:
    # ISO 4217 codes Stripe has no presentment support for.
    for currency in ("IRR", "KPW", "CUP", "XAU"):
        assert currency not in STRIPE_CURRENCIES
        if currency in ISO_4217:
            assert codes(5000, currency) == [("price.currency", "not_chargeable")]


def test_a_currency_without_a_fixed_minimum_is_refused_with_the_currencies_we_sell_in() -> None:
    (violation,) = check_chargeable(500_000, "COP")
    assert (violation.field, violation.code) == ("price.currency", "no_fixed_minimum")
    assert "EUR" in violation.message
    assert "JPY" in violation.message


def test_three_decimal_amounts_must_end_in_zero() -> None:
    assert {"BHD", "JOD", "KWD", "OMR", "TND"} == STRIPE_THREE_DECIMAL
    assert all(stripe_decimals(c) == ISO_4217[c] == 3 for c in STRIPE_THREE_DECIMAL)
    assert ("price.amount", "not_chargeable") in codes(5125, "KWD")
    assert ("price.amount", "not_chargeable") not in codes(5120, "KWD")


def test_where_stripe_and_iso_count_decimals_differently_the_currency_is_refused() -> None:
    assert stripe_decimals("ISK") == 2
    assert ISO_4217["ISK"] == 0
    assert stripe_decimals("MGA") == 0
    assert ISO_4217["MGA"] == 2
    for currency in ("ISK", "MGA"):
        assert ("price.currency", "not_chargeable") in codes(100_000, currency)


def test_every_currency_with_a_minimum_is_one_stripe_takes_and_counts_as_iso_does() -> None:
    for currency in STRIPE_MINIMUM_CHARGE:
        assert currency in STRIPE_CURRENCIES
        assert stripe_decimals(currency) == ISO_4217[currency], currency
        assert codes(minimum_charge(currency) or 0, currency) == []
    assert {"JPY", "KRW", "VND"} <= STRIPE_ZERO_DECIMAL


def test_above_eight_digits_is_refused() -> None:
    assert codes(99_999_999, "EUR") == []
    assert codes(100_000_000, "EUR") == [("price.amount", "above_stripe_maximum")]


def test_publishing_checks_the_price_is_chargeable_but_a_draft_may_hold_anything(
    complete: OfferingContent,
) -> None:
    cheap = replace(complete, price_amount=1)
    assert check_draft(cheap) == []
    assert [(v.field, v.code) for v in check_publishable(cheap)] == [
        ("price.amount", "below_stripe_minimum")
    ]
    elsewhere = replace(complete, price_currency="COP")
    assert [(v.field, v.code) for v in check_publishable(elsewhere)] == [
        ("price.currency", "no_fixed_minimum")
    ]


def test_a_price_that_is_already_invalid_gets_no_stripe_reasons_on_top(
    complete: OfferingContent,
) -> None:
    bad = replace(complete, price_amount=-5)
    assert [(v.field, v.code) for v in check_publishable(bad)] == [("price.amount", "negative")]
