"""Money as integer minor units plus an ISO 4217 code; Decimal only at the input and display edges."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, get_currency_precision, list_currencies, parse_pattern

SUPPORTED_CURRENCIES = ("MAD", "EUR", "USD", "XOF", "GBP", "CAD", "TND")


class MoneyError(ValueError):
    pass


@lru_cache(maxsize=512)
def exponent(currency: str) -> int:
    """Decimal places of the currency's minor unit from CLDR (MAD 2, EUR 2, XOF 0)."""
    if currency not in list_currencies():
        raise MoneyError(f"unknown currency {currency!r}")
    return get_currency_precision(currency)


@lru_cache(maxsize=64)
def currency_pattern(locale: Locale, *, whole: bool) -> NumberPattern:
    """The locale's currency pattern, without decimals for whole amounts; parsed once per locale."""
    pattern = locale.currency_formats["standard"].pattern
    return parse_pattern(pattern.replace(".00", "") if whole else pattern)


@lru_cache(maxsize=16_384)
def format_money(minor: int, currency: str, locale: Locale) -> str:
    """Minor units as the locale writes money: 1 975 000 MAD, MAD1,975,000, 5 000,50 MAD.

    Memoised: a pure function of its arguments, and Babel's pattern application is the costliest step of a
    catalogue card; the same amounts are shown again and again.
    """
    amount = to_major(minor, currency)
    pattern = currency_pattern(locale, whole=amount == amount.to_integral_value())
    return pattern.apply(amount, locale, currency=currency, currency_digits=False)


def to_minor(amount: Decimal | str | int, currency: str) -> int:
    """Exact conversion; refuses more decimals than the currency has instead of rounding them away."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise MoneyError("not a number") from None
    if not value.is_finite():
        raise MoneyError("not a number")
    scaled = value.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise MoneyError("too many decimal places for this currency")
    return int(scaled)


def to_major(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency))
