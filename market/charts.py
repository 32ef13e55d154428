"""Server-rendered SVG charts: no script, no external resources, readable without colour."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

CHINA = ZoneInfo("Asia/Shanghai")
WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 240, 8, 28, 20


def months_back(now: datetime, count: int = 12) -> list[str]:
    """The last ``count`` months in China Standard Time, oldest first (``2026-03``)."""
    local = now.astimezone(CHINA)
    year, month = local.year, local.month
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def month_of(moment: datetime) -> str:
    """The month (China Standard Time) a moment falls in."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(CHINA).strftime("%Y-%m")


def by_month(rows: Sequence[tuple[datetime, int]], months: list[str]) -> list[tuple[str, int]]:
    """Sum ``(moment, amount)`` rows into the given months."""
    totals = dict.fromkeys(months, 0)
    for moment, amount in rows:
        key = month_of(moment)
        if key in totals:
            totals[key] += amount
    return list(totals.items())


def bar_chart(points: list[tuple[str, int]], title: str, fmt: Callable[[int], str]) -> Markup:
    """A bar chart of ``(label, value)`` as an accessible inline SVG (a ``<title>`` names it,
    each bar carries its value as text)."""
    top = max((value for _, value in points), default=0) or 1
    step = (WIDTH - PAD_LEFT) / max(len(points), 1)
    bar = step * 0.7
    plot = HEIGHT - PAD_BOTTOM - PAD_TOP
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{PAD_LEFT}" y1="{HEIGHT - PAD_BOTTOM}" x2="{WIDTH}" '
        f'y2="{HEIGHT - PAD_BOTTOM}" class="axis"/>',
    ]
    for index, (label, value) in enumerate(points):
        height = plot * value / top
        x = PAD_LEFT + index * step + (step - bar) / 2
        y = HEIGHT - PAD_BOTTOM - height
        text = escape(fmt(value))
        parts.append(
            f"<g><title>{escape(label)}: {text}</title>"
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" class="bar"/>'
            f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - 10}" class="tick">{escape(label[5:])}</text>'
            + (
                f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" class="value">{text}</text>'
                if value
                else ""
            )
            + "</g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
