"""Reading numbers typed by people into exact decimals, and showing them back without noise."""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import gettext as _

from marketplace.errors import DomainError
from marketplace.i18n import format_decimal

# Digits with at most four decimals: no exponent, NaN, infinity, sign or thousands separators to guess at.
NUMBER_PATTERN = re.compile(r"[0-9]{1,13}(\.[0-9]{1,4})?")
SEPARATORS = str.maketrans({" ": None, "\u00a0": None, "\u202f": None, ",": "."})
PERCENT_CEILING = Decimal(100)


def parse_number(raw, *, field: str, measure: str = "unit") -> Decimal:
    """A non-negative exact decimal from what was typed ("12", "12.5", "1 200,75"), or DomainError on `field`."""
    if isinstance(raw, Decimal | int):
        raw = str(raw)
    text = (raw or "").strip().translate(SEPARATORS)
    if not text:
        raise DomainError(_("Enter a number."), field=field)
    if not NUMBER_PATTERN.fullmatch(text):
        raise DomainError(_("Enter a number such as 12 or 12.5 (zero or more, at most four decimals)."),
                          field=field)
    value = Decimal(text)
    if measure == "percentage" and value > PERCENT_CEILING:
        raise DomainError(_("A percentage is at most 100."), field=field)
    return value


def parse_measure(indicator, raw, *, field: str) -> tuple[Decimal | None, str | None]:
    """The (number, text) pair stored for a value of this indicator: numbers for numeric measures, text otherwise."""
    if indicator.is_numeric:
        return parse_number(raw, field=field, measure=indicator.measure), None
    text = (str(raw) if raw is not None else "").strip()
    if not text:
        raise DomainError(_("Describe the result in a few words."), field=field)
    if len(text) > 500:
        raise DomainError(_("Keep it under 500 characters."), field=field)
    return None, text


def shown(value: Decimal | None) -> str:
    """A stored decimal in the reader's locale without trailing zeros (12.5000 → 12.5); a dash for nothing."""
    if value is None:
        return "—"
    return format_decimal(value, "#,##0.####")
