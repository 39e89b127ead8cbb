"""Currency conversion with the reference rates, exact: Decimal arithmetic, integer minor units out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from sqlalchemy import select

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.money import exponent
from marketplace.reference.models import FxRate


@dataclass(frozen=True)
class Conversion:
    minor: int
    rate: Decimal
    as_of: date | None
    source: str


def rate_between(base: str, quote: str, on: date | None = None) -> tuple[Decimal, date | None, str]:
    """1 base = rate quote, from the latest rate on or before `on` (inverting a stored pair if needed)."""
    if base == quote:
        return Decimal(1), None, "same currency"
    for b, q, invert in ((base, quote, False), (quote, base, True)):
        query = select(FxRate).where(FxRate.base == b, FxRate.quote == q)
        if on is not None:
            query = query.where(FxRate.as_of <= on)
        found = db.session.scalar(query.order_by(FxRate.as_of.desc()).limit(1))
        if found is not None:
            rate = Decimal(1) / found.rate if invert else found.rate
            return rate, found.as_of, found.source
    raise DomainError(f"No exchange rate from {base} to {quote}.")


def convert(minor: int, base: str, quote: str, on: date | None = None, *, round_up: bool = False) -> Conversion:
    """Convert minor units; rounding is explicit (up when a threshold must never be underestimated)."""
    rate, as_of, source = rate_between(base, quote, on)
    value = Decimal(minor).scaleb(-exponent(base)) * rate
    scaled = value.scaleb(exponent(quote)).to_integral_value(rounding=ROUND_CEILING if round_up else ROUND_FLOOR)
    return Conversion(int(scaled), rate, as_of, source)
