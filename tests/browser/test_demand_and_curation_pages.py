"""The demand form a search leads to and the staff's synonym deletion, in Chromium: a buyer in
no organisation is refused with a way forward that keeps what was typed, and the pages touched
fit a phone and a desktop in all three languages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from market.db import utcnow
from market.identity.models import StaffRole
from market.searching import services as searching
from tests import factories
from tests.browser.helpers import overflow, register_organisation, screenshot, sign_in
from tests.browser.pagecheck import ALLOWED, WIDTHS, axe, problems

pytestmark = pytest.mark.browser

# Browser locale and the language the page's words are checked in.
LANGUAGES = {"zh": ("zh-CN", "zh"), "zh_Hant": ("zh-HK", "zh"), "en": ("en-GB", "en")}


@pytest.fixture
def orgless(live_app):
    """The e-mail address of a confirmed user who belongs to no organisation."""
    with live_app.extensions["db"].unit_of_work() as session:
        return factories.user(session).email


@pytest.fixture
def curator(live_app):
    """A reviewer and one synonym group of the exchange's."""
    with live_app.extensions["db"].unit_of_work() as session:
        staff = factories.user(session, staff=(StaffRole.REVIEWER,), name="陳大文")
        searching.create(session, staff, ["的士", "搭的士"], None, utcnow())
        return staff.email


def _fill_demand(page) -> None:
    page.fill("#need", "2024年以来的样本分析")
    page.select_option("#category", "finance")
    page.fill("#budget", "48,000")
    page.fill("#deadline", "2030-01-31")
    page.select_option("#usage_scenario", "research")


def test_a_refused_demand_leads_to_registering_an_organisation_and_back_as_typed(page, orgless):
    sign_in(page, orgless)
    page.goto("/market?q=火星陨石&currency=HKD")
    page.get_by_test_id("post-demand").click()
    page.wait_for_url("**/demands?**")
    page.wait_for_load_state()
    _fill_demand(page)
    page.get_by_role("button", name="发布求购").click()
    notice = page.get_by_test_id("needs-organisation")
    expect(notice).to_be_focused()
    expect(notice).to_contain_text("未发布")
    page.get_by_test_id("register-organisation").click()
    page.wait_for_url("**/organisations/new?**")
    register_organisation(page)
    page.wait_for_url("**/demands?**")
    assert page.url.endswith("#post-demand"), page.url
    assert page.input_value("#title") == "火星陨石"
    assert page.input_value("#need") == "2024年以来的样本分析"
    assert page.input_value("#budget") == "48,000"
    assert page.input_value("#currency") == "HKD"
    assert page.input_value("#category") == "finance"
    assert page.get_by_test_id("needs-organisation").count() == 0
    page.get_by_role("button", name="发布求购").click()
    page.wait_for_url("**/demands/*")


def _page_problems(page, shot: str, language: str) -> list[str]:
    found = []
    wider = overflow(page)
    if wider:
        found.append(f"{wider}px wider than the window")
    found += problems(page, language, ALLOWED | {"简体中文", "繁體中文"})
    found += axe(page)
    screenshot(page, shot)
    return [f"{shot}: {problem}" for problem in found]


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@pytest.mark.parametrize("width", WIDTHS)
def test_the_pages_touched_fit_and_speak_one_language(
    browser, live_app, orgless, curator, language, width
):
    locale, words = LANGUAGES[language]
    context = browser.new_context(
        locale=locale, base_url=live_app.url, viewport={"width": width, "height": 900}
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    failures = []
    try:
        sign_in(page, orgless)
        page.goto("/demands?title=火星陨石")
        failures += _page_problems(page, f"demand-from-search-{language}-{width}", words)
        _fill_demand(page)
        page.locator("#post-demand button[type=submit]").click()
        expect(page.get_by_test_id("needs-organisation")).to_be_focused()
        failures += _page_problems(page, f"demand-refused-{language}-{width}", words)
        page.context.clear_cookies()
        sign_in(page, curator)
        page.goto("/staff/search")
        failures += _page_problems(page, f"curation-{language}-{width}", words)
        page.locator("[data-testid=delete-synonyms] input[name=note]").first.fill("x" * 201)
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("[data-testid=delete-synonyms] button[type=submit]").first.click()
        expect(page.get_by_test_id("error-summary")).to_be_focused()
        failures += _page_problems(page, f"curation-delete-refused-{language}-{width}", words)
    finally:
        context.close()
    assert not failures, "\n".join(failures)
