"""Showing money: integer minor units with an ISO 4217 currency, formatted for the reader."""

from __future__ import annotations

from flask_babel import format_currency

from ledger.currencies import EXPONENTS, to_major


def money(minor: int, currency: str) -> str:
    """``123456, "CNY"`` → ``¥1,234.56`` (in the request's locale). A stored code the ledger
    does not know (a row older than the check on it) shows as its raw minor units and code
    rather than failing the page."""
    if currency not in EXPONENTS:
        return f"{minor} {currency}"
    return format_currency(to_major(minor, currency), currency)


def whole_money(minor: int, currency: str) -> str:
    """``100000, "CNY"`` → ``¥1,000``: whole units, for ranges and round figures."""
    if currency not in EXPONENTS:
        return f"{minor} {currency}"
    return format_currency(
        to_major(minor, currency), currency, format="¤#,##0", currency_digits=False
    )


def plain_amount(minor: int, currency: str) -> str:
    """``100000, "CNY"`` → ``1000``; ``100050`` → ``1000.5``: the shortest major-unit amount,
    as a URL or a form field carries it (and as :class:`market.text.Money` reads it back)."""
    text = f"{to_major(minor, currency):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
