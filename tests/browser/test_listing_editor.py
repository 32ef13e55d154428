"""A provider changes a listing in the browser, and the rights-claim and buy forms say what is
wrong with a note that is too long; the buy page fits a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from market.db import utcnow
from market.listings import listings
from market.listings.models import Listing
from tests.browser.helpers import overflow, sign_in
from tests.browser.pagecheck import LOCALES, WIDTHS, check
from tests.listings import factories as lf
from tests.registry import factories as rf

pytestmark = pytest.mark.browser


@pytest.fixture(params=["sqlite"])
def engine_kind(request):
    """Pages are exercised on SQLite; the API tests cover PostgreSQL."""
    return request.param


@pytest.fixture
def draft(live_app):
    """``(owner e-mail, listing id)`` of a draft listing at ¥4,800."""
    store = live_app.extensions["files"]
    with live_app.extensions["db"].unit_of_work() as session:
        staff = rf.reviewer(session)
        organisation, owner = rf.provider(session)
        listing = lf.draft_listing(session, store, organisation, owner, staff)
        return owner.email, listing.id


@pytest.fixture
def published(live_app):
    """``(buyer e-mail, listing id)``: a published listing and a verified buyer."""
    store = live_app.extensions["files"]
    with live_app.extensions["db"].unit_of_work() as session:
        staff = rf.reviewer(session)
        organisation, owner = rf.provider(session)
        listing = lf.published_listing(session, store, organisation, owner, staff)
        _buyer, buyer_user = rf.provider(session)
        return buyer_user.email, listing.id


def test_the_provider_edits_the_price_of_a_draft_in_yuan(page, live_app, draft):
    email, listing_id = draft
    sign_in(page, email)
    page.goto(f"/provider/listings/{listing_id}")
    page.get_by_test_id("edit-draft").click()
    expect(page.locator("#plan0_price")).to_have_value("4800")
    expect(page.locator("#title_zh")).to_have_value("深圳市公交刷卡数据")
    expect(page.locator("input[name=scenarios][value=research]")).to_be_checked()
    page.fill("#plan0_price", "52,000")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url(f"**/provider/listings/{listing_id}")
    expect(page.locator("main")).to_contain_text("¥52,000.00")
    with live_app.extensions["db"].unit_of_work() as session:
        plans = session.get(Listing, listing_id).latest_revision.public_plans
        assert [plan.price_minor for plan in plans] == [5_200_000]


def test_no_usage_scenario_asks_to_choose_one(page, draft):
    email, listing_id = draft
    sign_in(page, email)
    page.goto(f"/provider/listings/{listing_id}/edit")
    for box in page.locator("input[name=scenarios]").all():
        box.uncheck()
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#scenarios-error")).to_have_text("请至少选择一种使用场景。")
    expect(page.locator("#plan0_price")).to_have_value("4800")


def _past_maxlength(page, selector: str, limit: int) -> None:
    """Type one character more than the box allows, as a browser without the limit would."""
    assert page.locator(selector).get_attribute("maxlength") == str(limit)
    page.locator(selector).evaluate("box => box.removeAttribute('maxlength')")
    page.fill(selector, "数" * (limit + 1))


def test_a_too_long_source_note_is_named_on_the_claim_form(page, live_app):
    store = live_app.extensions["files"]
    with live_app.extensions["db"].unit_of_work() as session:
        organisation, owner = rf.provider(session)
        asset = rf.asset(session, organisation, owner)
        rf.version(session, store, asset, owner)
        email, asset_id = owner.email, asset.id
    sign_in(page, email)
    page.goto(f"/registry/assets/{asset_id}/claims/new")
    page.locator("input[name=rights][value=holding]").check()
    _past_maxlength(page, "#source_note", 4000)
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#source_note-error")).to_be_visible()
    expect(page.locator("#source_note")).to_have_value("数" * 4001)


def test_a_too_long_usage_note_is_named_on_the_buy_form(page, published):
    email, listing_id = published
    sign_in(page, email)
    page.goto(f"/listings/{listing_id}/buy")
    page.select_option("#usage_scenario", "research")
    _past_maxlength(page, "#usage_note", 2000)
    page.get_by_test_id("place-order").click()
    expect(page.locator("#usage_note-error")).to_be_visible()
    expect(page.locator("#usage_note")).to_have_value("数" * 2001)


def test_the_buy_page_shows_the_plan_price_on_a_phone(page, published):
    email, listing_id = published
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, email)
    page.goto(f"/listings/{listing_id}/buy")
    choice = page.get_by_test_id("plan-choice").first
    expect(choice).to_contain_text("¥4,800.00")
    assert "一次性授权 · 一次性授权" not in choice.inner_text()
    box = page.get_by_test_id("plan-price").first.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 375
    assert overflow(page) == 0


@pytest.fixture
def revised(live_app):
    """``(paths by page, e-mail by page)``: a published listing with a new draft revision and the
    reviewer's changes asked for; the editor is its provider's, the buy page a buyer's."""
    store = live_app.extensions["files"]
    with live_app.extensions["db"].unit_of_work() as session:
        staff = rf.reviewer(session)
        organisation, owner = rf.provider(session)
        listing = lf.published_listing(session, store, organisation, owner, staff)
        listings.start_revision(session, listing, owner, utcnow())
        _buyer, buyer = rf.provider(session)
        return (
            {"listing-edit": f"/provider/listings/{listing.id}/edit",
             "buy": f"/listings/{listing.id}/buy"},
            {"listing-edit": owner.email, "buy": buyer.email},
        )  # fmt: skip


@pytest.mark.parametrize("language", sorted(LOCALES))
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["listing-edit", "buy"])
def test_the_editor_and_buy_pages_fit_and_speak_one_language(
    browser, live_app, revised, name, language, width
):
    paths, emails = revised
    context = browser.new_context(
        locale=LOCALES[language], base_url=live_app.url,
        viewport={"width": width, "height": 900},
    )  # fmt: skip
    context.set_default_timeout(15000)
    try:
        page = context.new_page()
        sign_in(page, emails[name])
        failures = check(page, paths[name], f"{name}-{language}-{width}", language)
    finally:
        context.close()
    assert not failures, "\n".join(failures)
