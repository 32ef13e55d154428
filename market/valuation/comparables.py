"""Ranking the exchange's settled trades as market comparables (市場法), and the adjustment
factors each one suggests.

Similarity is a weighted sum of five components, each between 0 and 1 (``docs/valuation.md``
prints the table): the same category; size (records, on a log scale); coverage (region and
years); licence terms (exclusivity, territory, duration); recency. An attribute unknown on
either side scores one half: it neither recommends nor rules out the trade.

The suggested factors follow the same attributes: scale from the size ratio, rights from
exclusivity, territory and duration, quality from the comparable asset's own final report.
They are starting points for the appraiser, who changes them and decides which trades count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

WEIGHTS = {
    "category": Decimal("0.30"),
    "size": Decimal("0.20"),
    "coverage": Decimal("0.15"),
    "licence": Decimal("0.20"),
    "recency": Decimal("0.15"),
}
UNKNOWN = 0.5
# A hundredfold difference in records scores zero on size.
SIZE_DECADES = 2.0
RECENCY_DAYS = 730
# Suggested rights factors: an exclusive licence against a non-exclusive one, the whole world
# against a narrower territory; duration by the square root of the ratio (perpetual: ten years).
EXCLUSIVE_PREMIUM = 1.5
WORLDWIDE_PREMIUM = 1.2
PERPETUAL_MONTHS = 120
FACTOR_BOUNDS = (0.25, 4.0)
WORLDWIDE = "*"


@dataclass(frozen=True)
class Subject:
    """What is being valued, as far as comparing it with trades goes."""

    category: str
    record_count: int | None = None
    region: str | None = None
    coverage_from: int | None = None
    coverage_to: int | None = None
    exclusive: bool | None = None
    territory: tuple[str, ...] | None = None
    duration_months: int | None = None
    perpetual: bool = False  # duration_months None means perpetual only when this is set


def rank(
    subject: Subject,
    trades: list[dict],
    now: datetime,
    qualities: dict[int, str] | None = None,
    limit: int = 10,
) -> list[dict]:
    """The trades, most similar first, each with ``similarity``, its ``components`` and
    suggested factors (``quality`` from ``qualities`` by asset id, when it has a report)."""
    qualities = qualities or {}
    ranked = []
    for trade in trades:
        components = {
            "category": 1.0 if trade.get("category") == subject.category else 0.0,
            "size": _size(subject.record_count, trade.get("record_count")),
            "coverage": _coverage(subject, trade),
            "licence": _licence(subject, trade),
            "recency": _recency(trade["settled_at"], now),
        }
        score = sum(WEIGHTS[name] * Decimal(str(value)) for name, value in components.items())
        ranked.append(
            {
                **trade,
                "similarity": str(score.quantize(Decimal("0.001"), ROUND_HALF_EVEN)),
                "components": {name: round(value, 3) for name, value in components.items()},
                "quality": qualities.get(trade.get("asset_id"), "1"),
                "scale": _factor(_scale(subject.record_count, trade.get("record_count"))),
                "timeliness": "1",
                "rights": _factor(_rights(subject, trade)),
                "region": "1",
            }
        )
    ranked.sort(key=lambda t: (Decimal(t["similarity"]), t["settled_at"]), reverse=True)
    return ranked[:limit]


def _size(mine: int | None, theirs: int | None) -> float:
    if not mine or not theirs:
        return UNKNOWN
    return max(0.0, 1.0 - abs(math.log10(mine / theirs)) / SIZE_DECADES)


def _coverage(subject: Subject, trade: dict) -> float:
    region = UNKNOWN
    if subject.region and trade.get("region_code"):
        region = 1.0 if subject.region == trade["region_code"] else 0.0
    years = UNKNOWN
    mine = _years(subject.coverage_from, subject.coverage_to)
    theirs = _years(trade.get("coverage_from"), trade.get("coverage_to"))
    if mine and theirs:
        overlap = min(mine[1], theirs[1]) - max(mine[0], theirs[0]) + 1
        union = max(mine[1], theirs[1]) - min(mine[0], theirs[0]) + 1
        years = max(0, overlap) / union
    return (region + years) / 2


def _years(start: int | None, end: int | None) -> tuple[int, int] | None:
    if start is None and end is None:
        return None
    start = start if start is not None else end
    end = end if end is not None else start
    return (start, end)


def _licence(subject: Subject, trade: dict) -> float:
    exclusive = UNKNOWN
    if subject.exclusive is not None:
        exclusive = 1.0 if subject.exclusive == bool(trade.get("exclusive")) else 0.0
    territory = UNKNOWN
    if subject.territory and trade.get("territory"):
        mine, theirs = set(subject.territory), set(trade["territory"])
        territory = len(mine & theirs) / len(mine | theirs)
    duration = UNKNOWN
    mine_months = _months(subject.duration_months, subject.perpetual)
    if mine_months is not None:
        theirs_months = trade.get("duration_months") or PERPETUAL_MONTHS
        duration = min(mine_months, theirs_months) / max(mine_months, theirs_months)
    return (exclusive + territory + duration) / 3


def _months(months: int | None, perpetual: bool) -> int | None:
    if months:
        return months
    return PERPETUAL_MONTHS if perpetual else None


def _recency(settled_at: str, now: datetime) -> float:
    settled = datetime.fromisoformat(settled_at)
    today = now.date() if isinstance(now, datetime) else date.today()
    age = (today - settled.date()).days
    return max(0.0, 1.0 - age / RECENCY_DAYS)


def _scale(mine: int | None, theirs: int | None) -> float:
    if not mine or not theirs:
        return 1.0
    return math.sqrt(mine / theirs)


def _rights(subject: Subject, trade: dict) -> float:
    factor = 1.0
    if subject.exclusive is not None and subject.exclusive != bool(trade.get("exclusive")):
        factor *= EXCLUSIVE_PREMIUM if subject.exclusive else 1 / EXCLUSIVE_PREMIUM
    if subject.territory and trade.get("territory"):
        mine = WORLDWIDE in subject.territory
        theirs = WORLDWIDE in trade["territory"]
        if mine != theirs:
            factor *= WORLDWIDE_PREMIUM if mine else 1 / WORLDWIDE_PREMIUM
    mine_months = _months(subject.duration_months, subject.perpetual)
    if mine_months is not None:
        theirs_months = trade.get("duration_months") or PERPETUAL_MONTHS
        factor *= math.sqrt(mine_months / theirs_months)
    return factor


def _factor(value: float) -> str:
    low, high = FACTOR_BOUNDS
    bounded = min(high, max(low, value))
    return str(Decimal(str(bounded)).quantize(Decimal("0.01"), ROUND_HALF_EVEN))
