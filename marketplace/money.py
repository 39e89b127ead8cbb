"""Money as integer minor units plus an ISO 4217 code; Decimal only at the input and display edges."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision, list_currencies

SUPPORTED_CURRENCIES = ("MAD", "EUR", "USD", "XOF", "GBP", "CAD", "TND")


class MoneyError(ValueError):
    pass


def exponent(currency: str) -> int:
    """Decimal places of the currency's minor unit from CLDR (MAD 2, EUR 2, XOF 0)."""
    if currency not in list_currencies():
        raise MoneyError(f"unknown currency {currency!r}")
    return get_currency_precision(currency)


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
