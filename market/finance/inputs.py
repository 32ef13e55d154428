"""What every imported statement (a bank's CSV, MT940 or camt.053, Stripe's itemised report)
may contain, read one way for all of them.

- **Amounts** are plain decimals in the currency's major unit: digits, at most one point, at
  most the currency's decimals; a sign only where the format's column is signed. No exponent,
  no currency symbol, no ``NaN`` or ``Infinity``. Bank CSV columns may group thousands with
  commas, exactly in threes (``1,234,567.89``); anything else with a comma is refused. Every
  amount is at most ``ledger.entries.MAX_AMOUNT`` minor units either way, what one ledger
  posting may carry.
- **Dates** lie between ``EARLIEST_DAY`` and one day after today (UTC+8): a statement reports
  what happened, and a date years away would pin the statement chain and the daily assertions.
- **Text cells** lose control and bidirectional-override characters (a tab or a line break
  becomes a space): they are shown on pages and written to exports.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from ledger.currencies import EXPONENTS, to_major
from ledger.entries import MAX_AMOUNT
from market.errors import InvalidInput
from market.text import N_

EARLIEST_DAY = date(2000, 1, 1)
CHINA_STANDARD_TIME_OFFSET = timedelta(hours=8)

_PLAIN = re.compile(r"^(?P<sign>[+-]?)(?P<digits>\d+)(?:\.(?P<fraction>\d+))?$", re.ASCII)
_GROUPED = re.compile(
    r"^(?P<sign>[+-]?)(?P<digits>\d{1,3}(?:,\d{3})+)(?:\.(?P<fraction>\d+))?$", re.ASCII
)


def amount(
    text: str, exponent: int, where: str, *, signed: bool = True, grouped: bool = False
) -> int:
    """``text`` in minor units of a currency with ``exponent`` decimals, or ``InvalidInput``
    naming ``where`` (``lines[<n>].<column>``)."""
    cleaned = text.strip()
    found = _PLAIN.match(cleaned) or (_GROUPED.match(cleaned) if grouped else None)
    if found is None or len(cleaned) > 40:
        raise InvalidInput(
            N_("This is not an amount: write a plain decimal such as 1234.50."), field=where
        )
    if found["sign"] and not signed:
        raise InvalidInput(
            N_("This column takes an amount without a sign; the column says which way."),
            field=where,
        )
    fraction = (found["fraction"] or "").rstrip("0")
    if len(fraction) > exponent:
        raise InvalidInput(N_("This amount has more decimals than its currency."), field=where)
    # In integers, not decimals: an import reads three amounts a line, 100,000 lines at a time.
    minor = int(found["digits"].replace(",", "") + fraction.ljust(exponent, "0"))
    if minor > MAX_AMOUNT:
        raise InvalidInput(
            N_("This amount is larger than the ledger can book."),
            field=where,
            facts={"limit": MAX_AMOUNT},
        )
    return -minor if found["sign"] == "-" else minor


def bounded(value: Decimal, exponent: int, where: str) -> int:
    """A finite decimal already parsed (MT940's library reads its own) in minor units, refused
    beyond ``MAX_AMOUNT`` or with more decimals than the currency has."""
    if not value.is_finite():
        raise InvalidInput(
            N_("This is not an amount: write a plain decimal such as 1234.50."), field=where
        )
    if abs(value) >= Decimal(MAX_AMOUNT + 1).scaleb(-exponent):
        raise InvalidInput(
            N_("This amount is larger than the ledger can book."),
            field=where,
            facts={"limit": MAX_AMOUNT},
        )
    scaled = value.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise InvalidInput(N_("This amount has more decimals than its currency."), field=where)
    return int(scaled)


def today() -> date:
    """Today at the exchange's bank (UTC+8)."""
    return (datetime.now(UTC) + CHINA_STANDARD_TIME_OFFSET).date()


def day(value: date, where: str) -> date:
    """``value`` if a statement may report it: from ``EARLIEST_DAY`` to tomorrow (UTC+8)."""
    if value < EARLIEST_DAY:
        raise InvalidInput(
            N_("This date is too long ago for a statement."), field=where,
            earliest=EARLIEST_DAY.isoformat(),
        )  # fmt: skip
    latest = today() + timedelta(days=1)
    if value > latest:
        raise InvalidInput(
            N_("This date is in the future."), field=where, latest=latest.isoformat()
        )
    return value


def cell(text: str | None, limit: int) -> str | None:
    """A text cell as it is kept: control and format characters (BEL, TAB, line breaks, bidi
    overrides) made spaces, runs of spaces made one, cut to ``limit``; ``None`` when empty."""
    if not text:
        return None
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Cs") else c for c in text)
    kept = " ".join(kept.split())[:limit]
    return kept or None


def coded_money(minor: int, currency: str) -> str:
    """``100000000, "CNY"`` → ``CNY 1,000,000.00``: money written outside a request's locale
    (the command line, a stored detail), the code before grouped major units."""
    if currency not in EXPONENTS:
        return f"{minor} {currency}"
    return f"{currency} {to_major(minor, currency):,}"
