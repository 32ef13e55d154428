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
    assert texts == ["conformance 1.000", "completeness 0.500", "timeliness —"]


def _texts(svg) -> list:
    return list(ET.fromstring(str(svg)).iter(f"{SVG}text"))


def test_a_short_bars_figure_is_printed_beside_it_not_cut_in_white():
    # Market is a tenth of the others: "¥31,862.87" does not fit in its bar.
    values = {"cost": 29_874_128, "income": 28_000_000, "market": 3_186_287}
    svg = charts.methods_chart("m", LABELS, values, 3_000_000, 20_000_000, 30_000_000, _fmt)
    root = ET.fromstring(str(svg))
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    market_bar = bars[2]
    figure = next(t for t in _texts(svg) if t.text == "¥31,862.87")
    assert figure.get("fill") != "#fff"
    assert float(figure.get("x")) >= float(market_bar.get("x")) + float(market_bar.get("width"))
    cost = next(t for t in _texts(svg) if t.text == "¥298,741.28")
    assert cost.get("fill") == "#fff"  # a long bar keeps its figure inside


def test_labels_longer_than_the_label_column_widen_it():
    labels = {**LABELS, "income": "Income approach (licence royalties of the cultural asset)"}
    svg = charts.methods_chart("m", labels, {"income": 100}, 90, 100, 110, _fmt)
    label = next(t for t in _texts(svg) if t.text == labels["income"])
    # Anchored at its end: the column is at least as wide as the text.
    assert float(label.get("x")) >= charts.text_width(labels["income"])


def test_the_radar_shows_scores_as_the_table_does():
    scores = {"completeness": 0.995, "consistency": 0.9964, "timeliness": None}
    texts = [t.text for t in _texts(charts.radar_chart("r", {}, scores))]
    assert "completeness 0.995" in texts and "consistency 0.996" in texts
    assert "timeliness —" in texts
