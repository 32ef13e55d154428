"""The marketplace in a real browser: search, then narrow the results with a facet."""

from __future__ import annotations

import pytest

from market import worker
from tests.listings import factories as lf
from tests.registry import factories as registry_factories

pytestmark = pytest.mark.browser


@pytest.fixture
def two_listings(live_app):
    """A transport and a finance listing, published and indexed."""
    with live_app.extensions["db"].unit_of_work() as session:
        store = live_app.extensions["files"]
        staff = registry_factories.reviewer(session)
        organisation, owner = registry_factories.provider(session)
        lf.published_listing(session, store, organisation, owner, staff)
        lf.published_listing(
            session, store, organisation, owner, staff, category="finance",
            title_zh="深圳公交公司信用数据", title_en="Shenzhen bus company credit data",
        )  # fmt: skip
    while worker.run_once(live_app):
        pass


def test_search_then_click_a_facet(page, two_listings):
    page.goto("/market")
    page.get_by_test_id("search-input").fill("深圳 公交")
    page.get_by_test_id("search-input").press("Enter")
    assert page.get_by_test_id("hit").count() == 2
    page.get_by_test_id("facet-category-finance").click()
    page.wait_for_url("**category=finance**")
    assert page.get_by_test_id("hit").count() == 1
    assert "信用" in page.get_by_test_id("hit").first.inner_text()


def test_facets_are_multi_select_with_chips_and_clear_all(page, two_listings):
    page.goto("/market")
    page.get_by_test_id("facet-category-finance").click()
    page.wait_for_url("**category=finance**")
    assert page.get_by_test_id("hit").count() == 1
    transport = page.get_by_test_id("facet-category-transport")
    assert transport.locator("xpath=..").inner_text().strip().endswith("1")  # sibling kept
    assert page.get_by_test_id("chip").count() == 1
    transport.click()
    page.wait_for_url("**category=transport**")
    assert page.get_by_test_id("hit").count() == 2
    assert page.get_by_test_id("chip").count() == 2
    page.get_by_test_id("clear-all").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("chip").count() == 0
    assert page.get_by_test_id("hit").count() == 2


def test_price_facets_read_in_whole_yuan(page, two_listings):
    page.goto("/market")
    labels = page.locator("[data-testid^=facet-price-]").all_inner_texts()
    assert labels == ["¥1,000 以下", "¥1,000 – ¥10,000", "¥10,000 – ¥100,000", "¥100,000 及以上"]
    page.get_by_test_id("facet-price-100000-1000000").click()
    page.wait_for_url("**price_min=100000**")
    assert page.get_by_test_id("hit").count() == 2
    assert "¥1,000 – ¥10,000" in page.get_by_test_id("chip").inner_text()
