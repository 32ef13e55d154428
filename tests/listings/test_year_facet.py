"""The "data up to" facet: each year bucket's link finds exactly the listings its count
says, on both engines, at the API and on the market page, and the page names its years as
the facet does."""

from __future__ import annotations

import html
import re

import pytest

from market.listings import discovery
from tests.listings import factories as lf

EN = {"Accept-Language": "en"}


def _bucket_args(value: str) -> dict:
    """A ``coverage_to`` bucket ``from-to`` sent back as docs/api.md says: ``year_from=from``
    and ``year_to=to-1`` (a bucket leaves out its upper year, ``year_to`` includes it)."""
    low, high = value.split("-")
    return {
        "year_from": None if low == "*" else int(low),
        "year_to": None if high == "*" else int(high) - 1,
    }


def test_each_year_bucket_finds_exactly_its_count(request, catalogue_engine):
    # The seeded catalogue is shared: every test using it runs on the worker that seeded it.
    assert request.node.get_closest_marker("xdist_group").args == ("catalogue",)
    engine, _ = catalogue_engine
    buckets = [b for b in discovery.run(engine, {"page_size": 1}).facets["coverage_to"] if b[1]]
    assert len(buckets) > 1
    for value, count in buckets:
        found = discovery.run(engine, {"page_size": 1, **_bucket_args(value)})
        assert (value, found.total) == (value, count)


def test_a_year_range_ending_before_it_starts_is_refused_naming_its_end():
    with pytest.raises(discovery.InvalidInput) as refused:
        discovery.build_query({"year_from": 2020, "year_to": 2019})
    assert refused.value.field == "year_to"


@pytest.fixture
def spread(db, store, provider, staff, drain):
    """Three listings whose data runs up to 2012, 2017 and 2022."""
    for end in (2012, 2017, 2022):
        lf.published_listing(db, store, *provider, staff, coverage_from=2010, coverage_to=end)
    db.commit()
    drain()


def _facet_links(page: str) -> dict[str, tuple[str, int]]:
    """The "data up to" facet's links and counts by bucket."""
    found = re.findall(
        r'<a href="([^"]*)" data-testid="facet-coverage_to-([^"]+)"[^>]*>[^<]*</a>'
        r' <span class="muted">(\d+)</span>',
        page,
    )
    return {value: (html.unescape(href), int(count)) for href, value, count in found}


def _total(page: str) -> int:
    return len(re.findall(r'data-testid="hit"', page))


def test_each_year_link_on_the_page_shows_its_count_under_its_chip(client, spread):
    links = _facet_links(client.get("/market", headers=EN).text)
    assert set(links) == {"*-2015", "2015-2020", "2020-2024"}
    for value, (href, count) in links.items():
        page = client.get(href, headers=EN).text
        assert _total(page) == count == 1, value
        chip = page.split('data-testid="chip">', 1)[1].split("<span", 1)[0]
        label = discovery.years_label(*value.split("-"), lambda text: text)
        assert chip.strip() == f"Data up to: {label}"
        # The facet still offers the other years (counted as if not filtered on).
        assert len(_facet_links(page)) == 3


def test_a_bad_year_is_named_as_the_facet_names_it(client, spread):
    page = client.get("/market?year_from=abc", headers=EN)
    assert page.status_code == 422
    assert "“Data up to (from year)” was not understood" in page.text
    hant = client.get("/market?year_to=abc", headers={"Accept-Language": "zh-Hant"})
    assert "數據截至" in hant.text and "數據起始年份" not in hant.text
