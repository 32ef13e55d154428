"""The staff's search curation page in Chromium: a refused synonym group is told at the top of
the long page, with the focus there and the term named; a group is edited in place."""

from __future__ import annotations

import pytest

from market.db import utcnow
from market.identity.models import StaffRole
from market.searching import services as searching
from tests import factories
from tests.browser.helpers import overflow, screenshot, sign_in
from tests.browser.pagecheck import ALLOWED, WIDTHS, axe, problems


@pytest.fixture
def curator(live_app):
    """A reviewer, a staff group joined to the built-in taxi group, and a long report."""
    now = utcnow()
    with live_app.extensions["db"].unit_of_work() as session:
        staff = factories.user(session, staff=(StaffRole.REVIEWER,), name="陳大文")
        searching.create(session, staff, ["的士", "搭的士"], "香港和内地的说法", now)
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
        assert "“计程车” is already in the synonym group “的士, 搭的士" in summary.inner_text()
        assert page.evaluate("document.activeElement.dataset.testid") == "error-summary"
        assert summary.bounding_box()["y"] < 900
        page.fill("#terms", "字" * 41 + ", y")
        page.locator("#terms ~ button[type=submit]").click()
        page.wait_for_load_state()
        text = page.get_by_test_id("error-summary").inner_text()
        assert "A synonym term holds at most 40 characters." in text and "0" not in text.split("\n")
    finally:
        context.close()


def test_a_refused_group_stays_at_the_pages_address(browser, live_app, curator):
    context = browser.new_context(locale="en-GB", base_url=live_app.url)
    page = context.new_page()
    try:
        sign_in(page, curator)
        page.goto("/staff/search")
        group = page.get_by_test_id("synonym-group").first
        group.locator("summary").click()
        group.locator("input[name=terms]").fill("的士")
        group.locator("[data-testid=edit-synonyms] button[type=submit]").click()
        page.wait_for_load_state()
        assert page.get_by_test_id("error-summary").is_visible()
        assert page.url == live_app.url + "/staff/search"
        assert group.locator("input[name=terms]").input_value() == "的士"
        page.goto(page.url)  # asked for again (a reopened tab, the address bar): the page
        assert page.get_by_test_id("error-summary").count() == 0
        assert "搭的士" in page.get_by_test_id("synonym-groups").inner_text()
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
        group.locator("input[name=terms]").fill("的士, 搭的士, 叫的士")
        group.locator("[data-testid=edit-synonyms] button[type=submit]").click()
        page.wait_for_load_state()
        assert "叫的士" in page.get_by_test_id("synonym-groups").inner_text()
        assert "陳大文" in page.get_by_test_id("change-by").first.inner_text()
        assert "出租车" in page.get_by_test_id("joins").first.inner_text()
    finally:
        context.close()


def test_joining_a_built_in_group_is_confirmed_without_javascript(browser, live_app, curator):
    context = browser.new_context(locale="en-GB", base_url=live_app.url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, curator)
        page.goto("/staff/search")
        page.fill("#terms", "山泥傾瀉, 塌方, 巴士")
        page.locator("#terms ~ button[type=submit]").click()
        page.wait_for_load_state()
        ask = page.get_by_test_id("confirm-join")
        assert "公交" in ask.inner_text() and "公共汽车" in ask.inner_text()
        assert "山泥傾瀉" not in page.get_by_test_id("synonym-groups").inner_text()
        assert page.input_value("#terms") == "山泥傾瀉, 塌方, 巴士"
        ask.get_by_role("link", name="Go back and edit the terms").click()
        page.fill("#terms", "山泥傾瀉, 塌方, landslide")
        page.locator("#terms ~ button[type=submit]").click()
        page.wait_for_load_state()
        assert page.get_by_test_id("confirm-join").count() == 0
        assert "landslide" in page.get_by_test_id("synonym-groups").inner_text()
        page.fill("#terms", "搭巴士, 小巴")
        page.locator("#terms ~ button[type=submit]").click()
        page.wait_for_load_state()
        page.get_by_test_id("confirm-join").get_by_role("button", name="Save and join").click()
        page.wait_for_load_state()
        assert "搭巴士" in page.get_by_test_id("synonym-groups").inner_text()
    finally:
        context.close()


def test_a_term_given_twice_is_named_on_the_page(browser, live_app, curator):
    context = browser.new_context(locale="en-GB", base_url=live_app.url)
    page = context.new_page()
    try:
        sign_in(page, curator)
        page.goto("/staff/search")
        page.fill("#terms", "甲乙, 丙丁, 甲乙")
        page.locator("#terms ~ button[type=submit]").click()
        page.wait_for_load_state()
        assert "“甲乙”" in page.get_by_test_id("error-summary").inner_text()
    finally:
        context.close()


def test_report_rows_and_groups_are_named_for_screen_readers_and_fit_a_phone(
    browser, live_app, curator
):
    context = browser.new_context(
        locale="en-GB", base_url=live_app.url, viewport={"width": 375, "height": 800}
    )
    page = context.new_page()
    try:
        sign_in(page, curator)
        page.goto("/staff/search")
        assert page.locator("[style]").count() == 0
        row = page.get_by_test_id("zero-results")
        row.get_by_role("button", name="Add synonyms for “无结果查询3”").wait_for()
        field = row.get_by_role("textbox", name="“无结果查询3” means the same as")
        assert field.bounding_box()["width"] >= 200
        assert field.evaluate("e => getComputedStyle(e).borderRadius") != "0px"
        page.get_by_test_id("built-in-synonyms").locator("summary").click()
        defaults = page.get_by_test_id("default-groups")
        defaults.get_by_role("button", name="Delete the built-in group “出租车”").wait_for()
        groups = page.get_by_test_id("synonym-groups")
        groups.get_by_role("button", name="Delete the synonym group “的士, 搭的士”").wait_for()
        # The query's words as a search keeps them (查询 is left out of queries).
        add = page.get_by_role("button", name="Add synonyms for “无结果查询3”")
        kept = row.locator("form", has=add).get_by_role(
            "textbox", name="Words of the query to add synonyms for"
        )
        assert kept.input_value() == "无结果 3"
        field.fill("零结果三")
        row.get_by_role("button", name="Add synonyms for “无结果查询3”").click()
        page.wait_for_load_state()
        handled = page.get_by_test_id("zero-results").get_by_test_id("handled")
        assert handled.count() == 1 and "无结果 3" in handled.inner_text()
        handled.get_by_role("link").click()
        assert "零结果三" in page.locator(":target").inner_text()
    finally:
        context.close()


def test_a_groups_terms_note_and_built_in_group_are_on_lines_of_their_own_on_a_phone(
    browser, live_app, curator
):
    context = browser.new_context(
        locale="en-GB", base_url=live_app.url, viewport={"width": 375, "height": 800}
    )
    page = context.new_page()
    try:
        sign_in(page, curator)
        page.goto("/staff/search")
        group = page.get_by_test_id("synonym-group").first
        parts = [group.get_by_test_id(name) for name in ("group-terms", "group-note", "joins")]
        boxes = [part.bounding_box() for part in parts]
        for above, below in zip(boxes, boxes[1:], strict=False):
            assert below["y"] >= above["y"] + above["height"]
        assert parts[1].inner_text().startswith("Note:")
    finally:
        context.close()


def test_staff_who_may_curate_search_reach_it_from_the_navigation(browser, live_app, curator):
    context = browser.new_context(locale="en-GB", base_url=live_app.url)
    page = context.new_page()
    try:
        sign_in(page, curator)
        page.goto("/account")
        page.get_by_role("navigation", name="Workspace").get_by_role(
            "link", name="Search curation"
        ).click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name="Search curation", level=1).is_visible()
    finally:
        context.close()


def test_deleting_a_built_in_group_asks_first_and_takes_a_note(browser, live_app, curator):
    context = browser.new_context(
        locale="en-GB", base_url=live_app.url, viewport={"width": 375, "height": 800}
    )
    page = context.new_page()
    try:
        sign_in(page, curator)
        page.goto("/staff/search")
        page.get_by_test_id("built-in-synonyms").locator("summary").click()
        defaults = page.get_by_test_id("default-groups")
        form = defaults.locator("form", has=page.locator('input[value="公交"]'))
        delete = form.get_by_role("button", name="Delete the built-in group “公交”")
        questions = []
        page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
        delete.click()
        assert questions == ["Delete this synonym group?"]
        assert "Built-in deleted" not in page.get_by_test_id("changes").inner_text()
        form.get_by_role("textbox", name="Reason for deleting (optional)").fill("买家不用")
        page.once("dialog", lambda dialog: dialog.accept())
        delete.click()
        page.wait_for_load_state()
        assert "买家不用" in page.get_by_test_id("changes").inner_text()
    finally:
        context.close()


@pytest.mark.parametrize(("locale", "shown"), [("en-GB", "Show the"), ("zh-HK", "顯示")])
def test_the_built_in_groups_are_folded_away_below_the_staffs_groups_and_the_trail(
    browser, live_app, curator, locale, shown
):
    context = browser.new_context(
        locale=locale, base_url=live_app.url, viewport={"width": 375, "height": 800}
    )
    page = context.new_page()
    try:
        sign_in(page, curator)
        page.goto("/staff/search")
        # The page is a few screens on a phone, the trail among them, not past 130 groups.
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 12000, height
        built_in = page.get_by_test_id("built-in-synonyms")
        trail = page.get_by_test_id("changes").bounding_box()
        assert page.get_by_test_id("synonym-groups").bounding_box()["y"] < trail["y"]
        assert trail["y"] < built_in.bounding_box()["y"]
        assert not page.get_by_test_id("default-groups").is_visible()
        # The section links lead to the groups and the trail.
        page.get_by_test_id("page-sections").get_by_role("link").nth(1).click()
        assert page.locator(":target").get_attribute("id") == "changes"
        # By keyboard alone: open the built-in groups, reach a note field and its button.
        summary = built_in.locator("summary")
        assert shown in summary.inner_text()
        summary.focus()
        page.keyboard.press("Enter")
        assert page.get_by_test_id("default-groups").is_visible()
        page.keyboard.press("Tab")
        note = page.evaluate("document.activeElement.id")
        assert note.startswith("default-note-")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.getAttribute('aria-label')").startswith(
            {"en-GB": "Delete the built-in group", "zh-HK": "刪除內建同義詞組"}[locale]
        )
        assert not overflow(page)
    finally:
        context.close()


# Browser locale and the language the page's words are checked in.
LANGUAGES = {"zh": ("zh-CN", "zh"), "zh_Hant": ("zh-HK", "zh"), "en": ("en-GB", "en")}
REFUSED = {
    "zh": ("“港鐵”和“港铁”是同一个词的不同写法", "已在内置同义词组“房价, 楼价"),
    "zh_Hant": ("「港鐵」和「港铁」是同一個詞的不同寫法", "已在內建同義詞組「房價, 樓價"),
    "en": (
        "are one word written in other characters",
        "built-in synonym group “房价, 楼价",
    ),
}


#: The one-step form's button for the filtered search of 公交, by its accessible name.
ADD = {
    "en": "Add synonyms for “公交”",
    "zh": "为“公交”添加同义词",
    "zh_Hant": "為「公交」新增同義詞",
}


@pytest.fixture
def report_curator(live_app):
    """A reviewer, a group holding a term no listing held when it was saved, and a search
    that found nothing within its filters."""
    now = utcnow()
    with live_app.extensions["db"].unit_of_work() as session:
        staff = factories.user(session, staff=(StaffRole.REVIEWER,), name="陳大文")
        group = searching.create(session, staff, ["天汽預報", "天氣預報"], None, now)
        group.unfound = ["天汽預報"]  # as saved over listings that hold only 天氣預報
        filters = {"category": ["finance"], "region": ["beijing"], "price_max": 100_000}
        searching.log_query(session, "公交", 0, False, "web", None, now, filters)
        # Relaxed within its filter: only listings matching some of the words there.
        searching.log_query(
            session, "公交 地铁", 2, True, "web", None, now, {"region": ["shenzhen"]}
        )
        return staff.email


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@pytest.mark.parametrize("width", WIDTHS)
def test_unfound_terms_filters_and_refusals_are_told_in_every_language_and_fit(
    browser, live_app, report_curator, language, width
):
    locale, words = LANGUAGES[language]
    context = browser.new_context(
        locale=locale, base_url=live_app.url, viewport={"width": width, "height": 900}
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    failures = []
    try:
        sign_in(page, report_curator)
        page.goto("/staff/search")
        shot = f"curation-report-{language}-{width}"
        if overflow(page):
            failures.append(f"{shot}: {overflow(page)}px wider than the window")
        failures += [f"{shot}: {p}" for p in problems(page, words, ALLOWED | {"繁體中文"})]
        failures += [f"{shot}: {p}" for p in axe(page)]
        screenshot(page, shot)
        unfound = page.get_by_test_id("group-unfound")
        assert unfound.is_visible() and "天汽預報" in unfound.inner_text()
        assert "天氣預報" not in unfound.inner_text()
        filtered = page.get_by_test_id("zero-with-filters")
        labels = filtered.get_by_test_id("search-filters").first.inner_text()
        assert {"en": "Beijing", "zh": "北京", "zh_Hant": "北京"}[language] in labels
        assert "beijing" not in labels and "finance" not in labels
        for name in ("with-filters", "without-filters"):
            link = filtered.get_by_test_id(name).first
            assert link.is_visible() and link.bounding_box()["x"] + 1 < width
        # What the words find without the filters, a relaxed search marked, and the one-step
        # form as the other list's rows have, each within the window.
        told = filtered.get_by_test_id("total-without-filters").first
        assert (
            told.is_visible()
            and {"en": "Without the filters", "zh": "去掉筛选条件", "zh_Hant": "移除篩選條件"}[
                language
            ]
            in told.inner_text()
        )
        assert filtered.get_by_test_id("relaxed-within").count() == 1
        for field in filtered.get_by_test_id("query-words").all():
            box = field.bounding_box()
            assert field.is_visible() and box["x"] + box["width"] <= width
        assert filtered.get_by_role("button", name=ADD[language]).count() == 1
        filtered.get_by_test_id("with-filters").first.click()
        page.wait_for_load_state()
        assert "category=finance" in page.url and "price_below=1000.01" in page.url
        for typed, told in zip(("港鐵, 港铁", "樓價, 房價"), REFUSED[language], strict=True):
            page.goto("/staff/search")
            page.fill("#terms", typed)
            page.locator("#terms ~ button[type=submit]").click()
            page.wait_for_load_state()
            summary = page.get_by_test_id("error-summary")
            assert told in summary.inner_text(), summary.inner_text()
            if overflow(page):
                failures.append(f"refused {typed} [{language} {width}]: {overflow(page)}px wider")
            screenshot(page, f"curation-refused-{typed[:2]}-{language}-{width}")
    finally:
        context.close()
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("typed", ["🚕🚕, 的士", ",,,"])
def test_after_a_refusal_the_focus_is_on_the_summary_and_the_entry_is_kept(
    browser, live_app, curator, typed
):
    context = browser.new_context(locale="en-GB", base_url=live_app.url)
    page = context.new_page()
    try:
        sign_in(page, curator)
        page.goto("/staff/search")
        page.fill("#terms", typed)
        page.locator("#terms").press("Enter")
        page.wait_for_load_state()
        summary = page.get_by_test_id("error-summary")
        assert summary.is_visible() and "的, 我们" not in summary.inner_text()
        focused = page.evaluate(
            "document.activeElement.dataset.testid || document.activeElement.id"
        )
        assert focused in ("error-summary", "terms")
        assert page.locator("#terms").input_value().replace(" ", "") == typed.replace(" ", "")
    finally:
        context.close()
