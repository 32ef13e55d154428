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
