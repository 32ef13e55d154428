"""The home page's search box suggests as the market's does (the same box, a combobox the
keyboard drives, a plain form without script), and the market's own price range and range
chips, in Chromium, in both languages, at phone and desktop widths."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from market import worker
from tests.browser.helpers import overflow, screenshot
from tests.browser.pagecheck import LOCALES, WIDTHS, axe, check, problems
from tests.listings import factories as lf
from tests.registry import factories as registry_factories

pytestmark = pytest.mark.browser


@pytest.fixture
def listings(live_app):
    """Two published, indexed listings: ¥4,800 (data up to 2024) and ¥48 (up to 2012)."""
    with live_app.extensions["db"].unit_of_work() as session:
        store = live_app.extensions["files"]
        staff = registry_factories.reviewer(session)
        organisation, owner = registry_factories.provider(session)
        lf.published_listing(session, store, organisation, owner, staff, coverage_to=2024)
        lf.published_listing(
            session, store, organisation, owner, staff, category="finance",
            title_zh="深圳公交公司信用数据", title_en="Shenzhen bus company credit data",
            coverage_from=2010, coverage_to=2012, plans=[lf.plan(price_minor=4800)],
        )  # fmt: skip
    while worker.run_once(live_app):
        pass


def test_the_home_box_suggests_as_you_type_and_the_keyboard_searches(page, listings):
    page.goto("/")
    box = page.get_by_role("combobox", name="搜索")
    expect(box).to_have_attribute("data-testid", "home-search")
    box.focus()
    box.press_sequentially("深圳", delay=50)
    options = page.locator("#home-q-suggestions option")
    options.first.wait_for(state="attached")
    texts = options.evaluate_all("els => els.map(e => e.value)")
    assert any("深圳" in text for text in texts), texts
    # The down arrow moves into the suggestions and Enter takes one (or, with the list
    # closed, sends the form); Enter then searches what the box holds.
    box.press("ArrowDown")
    box.press("Enter")
    if "/market" not in page.url:
        assert "深圳" in box.input_value()
        box.press("Enter")
    page.wait_for_url("**/market?q=**")
    expect(page.get_by_test_id("search-input")).to_have_value(re.compile("深圳"))
    assert page.get_by_test_id("hit").count() >= 1


def test_the_home_box_is_a_plain_form_without_script(browser, live_app, listings):
    context = browser.new_context(locale="zh-CN", base_url=live_app.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/")
        page.get_by_test_id("home-search").fill("公交")
        page.get_by_test_id("home-search").press("Enter")
        page.wait_for_url("**/market?q=**")
        assert page.get_by_test_id("hit").count() == 2
    finally:
        context.close()


def test_the_home_page_with_its_suggesting_box_passes_every_check(browser, live_app, listings):
    found = []
    for language, locale in LOCALES.items():
        for width in WIDTHS:
            context = browser.new_context(
                locale=locale, base_url=live_app.url, viewport={"width": width, "height": 900}
            )
            try:
                found += check(context.new_page(), "/", f"home-search-{language}-{width}", language)
            finally:
                context.close()
    assert found == []


def test_a_price_range_of_ones_own_filters_and_shows_as_a_chip(page, listings):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/market?q=深圳")
    assert page.get_by_test_id("hit").count() == 2
    page.get_by_label("最低价格").fill("1000")
    page.get_by_label("价格低于").fill("5000")
    page.get_by_test_id("price-apply").click()
    page.wait_for_url("**price_from=1000**")
    assert page.get_by_test_id("hit").count() == 1
    chip = page.get_by_test_id("chip")
    expect(chip).to_have_count(1)
    expect(chip).to_contain_text("¥1,000 – ¥5,000")
    expect(page.get_by_test_id("search-input")).to_have_value("深圳")
    chip.click()
    page.wait_for_url("**/market?q=**")
    assert "price_" not in page.url
    assert page.get_by_test_id("hit").count() == 2


def test_a_bad_price_is_named_and_kept_in_its_field_on_a_phone(page, listings):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/market?q=深圳")
    page.get_by_text("筛选").click()  # the facets are a drawer on a phone
    page.get_by_label("最低价格").fill("五千")
    page.get_by_test_id("price-apply").click()
    page.wait_for_url("**price_from=**")
    expect(page.get_by_test_id("argument-errors")).to_contain_text("无法识别“最低价格”")
    # The drawer stays open on the refused field, as typed.
    expect(page.get_by_label("最低价格")).to_be_visible()
    expect(page.get_by_label("最低价格")).to_have_value("五千")
    expect(page.get_by_label("最低价格")).to_have_attribute("aria-invalid", "true")
    assert overflow(page) == 0


@pytest.mark.parametrize("language", sorted(LOCALES))
@pytest.mark.parametrize("width", WIDTHS)
def test_ranges_typed_by_hand_show_as_chips_at_every_width(
    browser, live_app, listings, language, width
):
    context = browser.new_context(
        locale=LOCALES[language], base_url=live_app.url, viewport={"width": width, "height": 900}
    )
    try:
        page = context.new_page()
        page.goto("/market?year_from=2016&year_to=2030&price_from=3000")
        chips = page.get_by_test_id("chip")
        expect(chips).to_have_count(2)
        expect(chips.nth(0)).to_contain_text("3,000")
        expect(chips.nth(1)).to_contain_text("2016–2030")
        assert page.get_by_test_id("hit").count() == 1
        assert overflow(page) == 0
        assert problems(page, language) == []
        assert axe(page) == []
        screenshot(page, f"market-range-chips-{language}-{width}")
        chips.nth(1).click()
        page.wait_for_url("**/market?price_from=3000")
        expect(page.get_by_test_id("chip")).to_have_count(1)
        # A refused range in the same language and width: named, nothing wider than the window.
        response = page.goto("/market?price_from=6000&price_below=1000")
        assert response.status == 422
        assert overflow(page) == 0
        assert problems(page, language) == []
        assert axe(page) == []
        screenshot(page, f"market-range-refused-{language}-{width}")
    finally:
        context.close()
