"""Prices compared in yuan: the rates search uses to set a HK$ plan beside a ¥ one.

A plan keeps its own currency for sale and display; search filters, sorts and counts price
facets on the cheapest public plan converted to yuan at the configured rates
(``SHUJIAO_CNY_RATES``). A currency without a rate has no yuan price, so its listings are
left out of price filters and sort after priced ones rather than compared at face value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ledger.currencies import EXPONENTS, to_major
from market.config import ConfigError

CNY = "CNY"
VARIABLE = "SHUJIAO_CNY_RATES"


@dataclass(frozen=True)
class CnyRates:
    """Yuan per unit of each other currency (``{"HKD": Decimal("0.92")}``)."""

    rates: Mapping[str, Decimal] = field(default_factory=dict)

    def to_cny(self, minor: int, currency: str) -> int | None:
        """``minor`` units of ``currency`` in fen (rounded half up), or None without a rate."""
        if currency == CNY:
            return minor
        rate = self.rates.get(currency)
        if rate is None:
            return None
        fen = to_major(minor, currency) * rate * 10 ** EXPONENTS[CNY]
        return int(fen.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse(text: str) -> CnyRates:
    """``"HKD=0.92,USD=7.10"`` → rates; a ConfigError naming the variable on anything else."""
    rates: dict[str, Decimal] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        code, sep, value = (piece.strip() for piece in part.partition("="))
        try:
            rate = Decimal(value) if sep else None
        except InvalidOperation:
            rate = None
        if (
            code not in EXPONENTS
            or code == CNY
            or rate is None
            or not rate.is_finite()
            or rate <= 0
        ):
            raise ConfigError(
                f"{VARIABLE} must read like HKD=0.92,USD=7.10 (a currency code and the yuan "
                f"one unit of it is worth), got {part.strip()!r}"
            )
        rates[code] = rate
    return CnyRates(rates)


def from_config(config: Mapping) -> CnyRates:
    """The rates of a Flask app's ``config``."""
    return parse(str(config.get("CNY_RATES") or ""))
