"""How values read on the pages: money in the reader's locale, times in Shenzhen's zone, sizes
in KB/MB/GB, and the currencies offered in price fields."""

from __future__ import annotations

from datetime import date, datetime

from babel.numbers import get_currency_name
from flask import current_app
from flask_babel import format_date, format_datetime, get_locale

from market.forms import error_text
from market.money import money

# Offered in price and budget pickers after the exchange's own currency.
COMMON_CURRENCIES = ("CNY", "HKD", "MOP", "USD", "EUR")
UNITS = ("B", "KB", "MB", "GB", "TB")


def home_currency() -> str:
    """The exchange's currency (``SHUJIAO_CURRENCY``)."""
    return current_app.config.get("CURRENCY") or "CNY"


def currency_choices() -> list[tuple[str, str]]:
    """``(code, name in the reader's language)``, the exchange's currency first."""
    codes = [home_currency(), *(c for c in COMMON_CURRENCIES if c != home_currency())]
    return [(code, get_currency_name(code, locale=get_locale())) for code in codes]


def when(value: datetime | date | None) -> str:
    """A moment in China Standard Time, with the zone named (``2026-03-02 10:00 中国标准时间``)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "yyyy-MM-dd HH:mm zzzz")
    return format_date(value, "yyyy-MM-dd")


def filesize(size: int | None) -> str:
    """``67108864`` → ``64 MB``; binary multiples, one decimal below ten units."""
    if size is None:
        return ""
    value, unit = float(size), UNITS[0]
    for unit in UNITS:
        if value < 1024 or unit == UNITS[-1]:
            break
        value /= 1024
    if unit == "B":
        return f"{int(value)} B"
    text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
    return f"{text.removesuffix('.0')} {unit}"


def register(app) -> None:
    """Give the templates these filters and globals."""
    app.add_template_filter(money)
    app.add_template_filter(when)
    app.add_template_filter(filesize)
    app.add_template_filter(error_text)
    app.add_template_global(currency_choices)
    app.add_template_global(home_currency)
