"""The report's SVG charts are well-formed, escape their text and place bars by value."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from market.valuation import charts

SVG = "{http://www.w3.org/2000/svg}"
LABELS = {
    "cost": "<script>alert(1)</script>",
    "income": "收益法",
    "market": "市场法",
    "range": "区间",
}


def _fmt(value: int) -> str:
    return f"¥{value / 100:,.2f}"


def test_methods_chart_is_well_formed_and_escaped():
    svg = charts.methods_chart(
        "A & B", LABELS, {"cost": 100, "income": 300, "market": 200}, 150, 220, 280, _fmt
    )
    root = ET.fromstring(str(svg))
    assert root.find(f"{SVG}title").text == "A & B"
    assert "<script>" not in str(svg)
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    widths = [float(r.get("width")) for r in bars]
    assert widths[1] > widths[2] > widths[0]  # income 300 > market 200 > cost 100


def test_tornado_puts_the_widest_swing_first():
    swings = [
        {"assumption": "quality", "down": 90, "up": 110},
        {"assumption": "discount_rate", "down": 130, "up": 70},
    ]
    root = ET.fromstring(str(charts.tornado_chart("t", {}, swings, 100, _fmt)))
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert labels == ["discount_rate", "quality"]


def test_radar_shows_unmeasured_dimensions_as_a_dash():
    scores = {"conformance": 1.0, "completeness": 0.5, "timeliness": None}
    root = ET.fromstring(str(charts.radar_chart("r", {}, scores)))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["conformance 1.00", "completeness 0.50", "timeliness —"]
