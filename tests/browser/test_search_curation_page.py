"""The staff's search curation page in Chromium: a refused synonym group is told at the top of
the long page, with the focus there and the term named; a group is edited in place."""

from __future__ import annotations

import pytest

from market.db import utcnow
from market.identity.models import StaffRole
from market.searching import services as searching
from tests import factories
from tests.browser.helpers import sign_in


@pytest.fixture
def curator(live_app):
    """A reviewer, a staff group joined to the built-in taxi group, and a long report."""
    now = utcnow()
    with live_app.extensions["db"].unit_of_work() as session:
        staff = factories.user(session, staff=(StaffRole.REVIEWER,), name="陳大文")
        searching.create(session, staff, ["的士", "打的"], None, now)
        for n in range(20):
            searching.log_query(session, f"无结果查询{n}", 0, False, "web", None, now)
        email = staff.email
    return email


def test_a_refused_group_is_told_at_the_top_with_the_focus_and_the_term(browser, live_app, curator):
    context = browser.new_context(locale="en-GB", base_url=live_app.url)
    page = context.new_page()
    try:
        sign_in(page, curator)
        page.goto("/staff/search")
        page.fill("#terms", "计程车, 出租汽车")
        page.locator("#terms ~ button[type=submit]").click()
        page.wait_for_load_state()
        summary = page.get_by_test_id("error-summary")
        assert "“计程车” is already in the synonym group “的士, 打的" in summary.inner_text()
        assert page.evaluate("document.activeElement.dataset.testid") == "error-summary"
        assert summary.bounding_box()["y"] < 900
        page.fill("#terms", "字" * 41 + ", y")
        page.locator("#terms ~ button[type=submit]").click()
        page.wait_for_load_state()
        text = page.get_by_test_id("error-summary").inner_text()
        assert "A synonym term holds at most 40 characters" in text and "0" not in text.split("\n")
    finally:
        context.close()


def test_a_group_is_edited_on_the_page_and_the_trail_names_who(browser, live_app, curator):
    context = browser.new_context(locale="en-GB", base_url=live_app.url)
    page = context.new_page()
    try:
        sign_in(page, curator)
        page.goto("/staff/search")
        group = page.get_by_test_id("synonym-group").first
        group.locator("summary").click()
        group.locator("input[name=terms]").fill("的士, 打的, 搭的士")
        group.locator("[data-testid=edit-synonyms] button[type=submit]").click()
        page.wait_for_load_state()
        assert "搭的士" in page.get_by_test_id("synonym-groups").inner_text()
        assert "陳大文" in page.get_by_test_id("change-by").first.inner_text()
        assert "出租车" in page.get_by_test_id("joins").first.inner_text()
    finally:
        context.close()
