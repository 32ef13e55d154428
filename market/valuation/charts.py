"""Server-rendered SVG charts of a report: method comparison, sensitivity tornado, quality radar.

Plain SVG strings (escaped text, no scripts), so the page, the PDF and a screen reader all get
the same picture; each chart has a ``<title>`` and the page shows the same figures in a table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

WIDTH = 560
BAR = 26
LEFT = 150
RIGHT = 24
COLOURS = {"cost": "#2f6f9f", "income": "#3f8f5f", "market": "#b7791f", "range": "#b42318"}


def text_width(text: str, size: float = 12) -> float:
    """About how wide ``text`` prints at ``size`` px: CJK characters a full em, others ~0.62 em
    (wide enough for the PDF's Noto Sans, so labels are sized, not clipped)."""
    return sum(size if ord(char) >= 0x2E80 else size * 0.62 for char in text)


def _left(labels) -> float:
    # The label column: as wide as the longest label, so none is cut at the chart's edge.
    return max(LEFT, max((text_width(str(label)) for label in labels), default=0) + 16)


def _svg(height: int, title: str, body: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" role="img" aria-label="{escape(title)}" '
        f"font-family=\"'Noto Sans CJK SC', 'Noto Sans', sans-serif\" font-size=\"12\">"
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _scale(values: Sequence[int], left: float = LEFT) -> Callable[[float], float]:
    top = max([*values, 1])
    span = WIDTH - left - RIGHT
    return lambda v: left + span * max(v, 0) / top


def methods_chart(
    title: str,
    labels: dict[str, str],
    values: dict[str, int],
    low: int,
    base: int,
    high: int,
    fmt: Callable[[int], str],
) -> Markup:
    """Bars for each method's value, with the reconciled range shaded and the base marked."""
    left = _left(labels.get(name, name) for name in [*values, "range"])
    x = _scale([*values.values(), high], left)
    height = 30 + BAR * 1.5 * (len(values) + 1)
    parts = [
        f'<rect x="{x(low):.1f}" y="10" width="{max(x(high) - x(low), 1):.1f}" '
        f'height="{height - 20:.1f}" fill="{COLOURS["range"]}" opacity="0.12"/>',
        f'<line x1="{x(base):.1f}" x2="{x(base):.1f}" y1="10" y2="{height - 10:.1f}" '
        f'stroke="{COLOURS["range"]}" stroke-width="2"/>',
    ]
    for index, (name, value) in enumerate(values.items()):
        y = 20 + index * BAR * 1.5
        shown, end = fmt(value), max(x(value), left + 1)
        # The figure inside its bar in white when it fits, else in ink just after the bar.
        inside = text_width(shown) + 8 <= end - left
        at = left + 4 if inside else min(end + 4, WIDTH - RIGHT - text_width(shown))
        parts.append(
            f'<text x="{left - 8:.1f}" y="{y + BAR * 0.65:.1f}" text-anchor="end">'
            f"{escape(labels.get(name, name))}</text>"
            f'<rect x="{left:.1f}" y="{y:.1f}" width="{end - left:.1f}" height="{BAR}" '
            f'fill="{COLOURS.get(name, "#555")}"><title>{escape(shown)}</title></rect>'
            f'<text x="{at:.1f}" y="{y + BAR * 0.65:.1f}" fill="{"#fff" if inside else "#1f2430"}">'
            f"{escape(shown)}</text>"
        )
    y = 20 + len(values) * BAR * 1.5
    parts.append(
        f'<text x="{left - 8:.1f}" y="{y + 12:.1f}" text-anchor="end">'
        f"{escape(labels['range'])}</text>"
        f'<text x="{left:.1f}" y="{y + 12:.1f}">{escape(fmt(low))} – {escape(fmt(high))}</text>'
    )
    return _svg(int(height), title, "".join(parts))


def tornado_chart(
    title: str,
    labels: dict[str, str],
    swings: Sequence[dict],
    base: int,
    fmt: Callable[[int], str],
) -> Markup:
    """One bar per assumption from its low to its high outcome, widest first, around the base."""
    ordered = sorted(swings, key=lambda s: abs(s["up"] - s["down"]), reverse=True)
    extremes = [base] + [v for s in ordered for v in (s["down"], s["up"])]
    lowest, highest = min(extremes), max(extremes)
    span = max(highest - lowest, 1)
    left = _left(labels.get(s["assumption"], s["assumption"]) for s in ordered)
    usable = WIDTH - left - RIGHT

    def x(v: float) -> float:
        return left + usable * (v - lowest) / span

    height = 30 + BAR * 1.4 * max(len(ordered), 1)
    parts = [
        f'<line x1="{x(base):.1f}" x2="{x(base):.1f}" y1="5" y2="{height - 5:.1f}" stroke="#1f2430"/>'
    ]
    for index, swing in enumerate(ordered):
        y = 15 + index * BAR * 1.4
        a, b = sorted((swing["down"], swing["up"]))
        parts.append(
            f'<text x="{left - 8:.1f}" y="{y + BAR * 0.65:.1f}" text-anchor="end">'
            f"{escape(labels.get(swing['assumption'], swing['assumption']))}</text>"
            f'<rect x="{x(a):.1f}" y="{y:.1f}" width="{max(x(b) - x(a), 1):.1f}" height="{BAR}" '
            f'fill="#6b7fa8"><title>{escape(fmt(a))} – {escape(fmt(b))}</title></rect>'
        )
    return _svg(int(height), title, "".join(parts))


def radar_chart(title: str, labels: dict[str, str], scores: dict[str, float | None]) -> Markup:
    """The six quality dimensions on a radar (0 at the centre, 1 at the rim); unmeasured as 0."""
    names = list(scores)
    cx, cy, radius = WIDTH / 2, 150, 110

    def point(index: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / len(names)
        return cx + radius * value * math.cos(angle), cy + radius * value * math.sin(angle)

    parts = []
    for ring in (0.25, 0.5, 0.75, 1.0):
        ring_points = " ".join(
            f"{px:.1f},{py:.1f}" for px, py in map(lambda i: point(i, ring), range(len(names)))
        )
        parts.append(f'<polygon points="{ring_points}" fill="none" stroke="#d0d4dc"/>')
    for index, name in enumerate(names):
        px, py = point(index, 1.0)
        lx, ly = point(index, 1.22)
        score = scores[name]
        shown = "—" if score is None else f"{score:.3f}"  # as the table beside it
        parts.append(
            f'<line x1="{cx}" y1="{cy}" x2="{px:.1f}" y2="{py:.1f}" stroke="#d0d4dc"/>'
            f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="middle">'
            f"{escape(labels.get(name, name))} {escape(shown)}</text>"
        )
    shape = " ".join(
        f"{px:.1f},{py:.1f}" for px, py in (point(i, scores[n] or 0.0) for i, n in enumerate(names))
    )
    parts.append(f'<polygon points="{shape}" fill="#3f8f5f" fill-opacity="0.35" stroke="#3f8f5f"/>')
    return _svg(300, title, "".join(parts))
