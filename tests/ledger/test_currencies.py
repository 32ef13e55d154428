"""ISO 4217 exponents and conversions to minor units."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledger import errors
from ledger.currencies import EXPONENTS, format_amount, to_major, to_minor


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("12.34", "CNY", 1234),
        ("1500", "JPY", 1500),
        ("1.234", "KWD", 1234),
        (Decimal("0.01"), "USD", 1),
    ],
)
def test_to_minor(amount, currency, minor):
    assert to_minor(amount, currency) == minor
    assert to_major(minor, currency) == Decimal(amount)


@pytest.mark.parametrize(
    ("amount", "currency", "error"),
    [
        ("0.001", "CNY", errors.FractionalAmount),
        ("1.5", "JPY", errors.FractionalAmount),
        (1.5, "CNY", errors.InvalidAmount),
        ("abc", "CNY", errors.InvalidAmount),
        ("1", "XAU", errors.UnknownCurrency),
    ],
)
def test_to_minor_refuses(amount, currency, error):
    with pytest.raises(error):
        to_minor(amount, currency)


def test_table():
    assert (EXPONENTS["CNY"], EXPONENTS["JPY"], EXPONENTS["BHD"], EXPONENTS["CLF"]) == (2, 0, 3, 4)
    assert format_amount(-5, "CNY") == "-0.05" and format_amount(7, "JPY") == "7"
