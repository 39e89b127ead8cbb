"""Money is exact: integer minor units in, exact decimal out, formatted in the visitor's locale."""

from decimal import Decimal

import pytest

from marketplace.money import MoneyError, to_major, to_minor


@pytest.mark.parametrize(("amount", "currency", "minor"), [
    ("1250000", "MAD", 125_000_000), ("5000.50", "MAD", 500_050), ("0.01", "EUR", 1), ("1500", "XOF", 1500),
])
def test_to_minor_is_exact(amount, currency, minor):
    assert to_minor(amount, currency) == minor
    assert to_major(minor, currency) == Decimal(amount)


@pytest.mark.parametrize(("amount", "currency"), [("0.001", "EUR"), ("10.5", "XOF"), ("abc", "MAD"), ("NaN", "MAD"),
                                                  ("1", "ZZZ")])
def test_to_minor_refuses_what_it_cannot_represent(amount, currency):
    with pytest.raises(MoneyError):
        to_minor(amount, currency)


@pytest.mark.parametrize(("language", "minor", "expected"), [
    ("en", 197_500_000, "MAD1,975,000"), ("en", 500_050, "MAD5,000.50"),
    ("fr", 197_500_000, "1\u202f975\u202f000\xa0MAD"), ("fr", 500_050, "5\u202f000,50\xa0MAD"),
])
def test_money_filter_uses_the_locale_and_drops_zero_decimals(app, language, minor, expected):
    with app.test_request_context(headers={"Accept-Language": language}):
        assert app.jinja_env.filters["money"](minor, "MAD") == expected
