"""The forms buyers and providers fill in most, saved through a real browser."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from market.db import utcnow
from market.identity.models import User
from market.listings import compliance, listings
from market.listings.models import Listing
from tests import factories
from tests.browser.helpers import register_organisation, sign_in
from tests.listings import factories as lf
from tests.registry import factories as rf

pytestmark = pytest.mark.browser


@pytest.fixture(params=["sqlite"])
def engine_kind(request):
    """Pages are exercised on SQLite; the API tests cover PostgreSQL."""
    return request.param


@pytest.fixture
def member(live_app):
    """The e-mail of a member of a verified organisation."""
    with live_app.extensions["db"].unit_of_work() as session:
        organisation, owner = rf.provider(session)
        return owner.email


@pytest.fixture
def asset_id(live_app):
    """``(owner e-mail, asset id)`` of an asset with one version and no claim yet."""
    store = live_app.extensions["files"]
    with live_app.extensions["db"].unit_of_work() as session:
        organisation, owner = rf.provider(session)
        asset = rf.asset(session, organisation, owner)
        rf.version(session, store, asset, owner)
        return owner.email, asset.id


def test_a_buyer_posts_a_demand_with_a_budget_in_yuan(page, member):
    sign_in(page, member)
    page.goto("/demands")
    page.fill("#title", "深圳公交客流数据")
    page.fill("#need", "2024年全年逐日客流")
    page.select_option("#category", "finance")
    page.fill("#budget", "48,000")
    page.fill("#deadline", "2030-01-31")
    page.select_option("#usage_scenario", "research")
    page.get_by_role("button", name="发布求购").click()
    page.wait_for_url("**/demands/*")
    expect(page.locator("main")).to_contain_text("¥48,000.00")


def test_a_demand_budget_with_too_many_decimals_is_refused_and_kept(page, member):
    sign_in(page, member)
    page.goto("/demands")
    page.fill("#title", "深圳公交客流数据")
    page.fill("#need", "2024年全年逐日客流")
    page.select_option("#category", "finance")
    page.fill("#budget", "48000.005")
    page.fill("#deadline", "2030-01-31")
    page.get_by_role("button", name="发布求购").click()
    expect(page.locator("#budget-error")).to_contain_text("小数")
    expect(page.locator("#budget")).to_have_value("48000.005")
    expect(page.locator("#category")).to_have_value("finance")


def test_an_empty_demand_is_refused_by_the_exchange_in_the_pages_language(
    browser, live_app, member
):
    context = browser.new_context(locale="zh-HK", base_url=live_app.url)
    page = context.new_page()
    try:
        sign_in(page, member)
        page.goto("/demands")
        page.get_by_role("button", name="發佈求購").click()
        # The server's message, not the browser's own (English) bubble.
        expect(page.locator("#title-error")).to_contain_text("此項必填")
        expect(page.locator("#title")).to_have_attribute("aria-invalid", "true")
    finally:
        context.close()


def test_a_buyer_without_an_organisation_is_sent_to_register_one_and_back(page, live_app):
    with live_app.extensions["db"].unit_of_work() as session:
        email = factories.user(session).email
    sign_in(page, email)
    # Where "post a demand" from a search that found nothing leads.
    page.goto("/demands?title=火星陨石")
    notice = page.get_by_test_id("needs-organisation")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("机构")
    page.get_by_test_id("register-organisation").click()
    page.wait_for_url("**/organisations/new?**")
    register_organisation(page)
    page.wait_for_url("**/demands?title=**")
    expect(page.locator("#title")).to_have_value("火星陨石")
    expect(page.get_by_test_id("needs-organisation")).to_have_count(0)


def test_a_rights_claim_saves_with_no_source_certificates(page, asset_id):
    email, asset = asset_id
    sign_in(page, email)
    page.goto(f"/registry/assets/{asset}/claims/new")
    page.locator("input[name=rights][value=holding]").check()
    page.fill("#source_note", "自行采集")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url("**/registry/claims/*")


@pytest.fixture
def certified(live_app):
    """``(owner e-mail, reviewer id)`` of a provider with one certified asset."""
    store = live_app.extensions["files"]
    with live_app.extensions["db"].unit_of_work() as session:
        staff = rf.reviewer(session)
        organisation, owner = rf.provider(session)
        lf.certified_asset(session, store, organisation, owner, staff)
        return owner.email, staff.id


def test_a_provider_prices_a_plan_in_yuan_and_a_buyer_sees_it(page, browser, live_app, certified):
    email, staff_id = certified
    sign_in(page, email)
    page.goto("/provider/listings/new")
    expect(page.locator("#title_zh")).to_have_value("深圳公交客流数据")
    expect(page.locator("#category")).to_have_value("transport")
    page.fill("#description_zh", "深圳公交逐日客流，已脱敏。")
    page.fill("#description_en", "Daily Shenzhen bus ridership, anonymised.")
    page.locator("input[name=scenarios][value=research]").check()
    page.select_option("#region", "shenzhen")
    page.select_option("#plan0_kind", "one_time")
    page.fill("#plan0_price", "48,000")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url("**/provider/listings/*")
    expect(page.locator("main")).to_contain_text("¥48,000.00")
    listing_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    with live_app.extensions["db"].unit_of_work() as session:
        listing = session.get(Listing, listing_id)
        owner = session.get(User, listing.created_by_id)
        listings.submit(session, listing, owner, utcnow())
        decided = utcnow() + timedelta(seconds=1)
        compliance.decide(session, listing, session.get(User, staff_id), lf.review_data(), decided)
    context = browser.new_context(locale="en-GB", base_url=live_app.url)
    buyer = context.new_page()
    buyer.goto(f"/market/listings/{listing_id}")
    expect(buyer.locator("main")).to_contain_text("CN¥48,000.00")
    context.close()


def test_a_price_with_fractions_of_a_fen_keeps_the_editor_filled_in(page, certified):
    email, _ = certified
    sign_in(page, email)
    page.goto("/provider/listings/new")
    page.locator("input[name=scenarios][value=research]").check()
    page.select_option("#plan0_kind", "one_time")
    page.fill("#plan0_price", "48,000.001")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#plan0_price-error")).to_contain_text("小数")
    expect(page.locator("#plan0_price")).to_have_value("48,000.001")
    expect(page.locator("input[name=scenarios][value=research]")).to_be_checked()


def test_a_draft_offers_submit_and_a_confirmed_delist_only(page, live_app, certified):
    email, _ = certified
    sign_in(page, email)
    page.goto("/provider/listings/new")
    page.fill("#description_zh", "深圳公交逐日客流，已脱敏。")
    page.fill("#description_en", "Daily Shenzhen bus ridership, anonymised.")
    page.locator("input[name=scenarios][value=research]").check()
    page.select_option("#region", "shenzhen")
    page.select_option("#plan0_kind", "one_time")
    page.fill("#plan0_price", "48000")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url("**/provider/listings/*")
    assert page.get_by_test_id("action-submit").is_visible()
    assert page.get_by_test_id("action-revise").count() == 0
    page.once("dialog", lambda dialog: dialog.dismiss())  # the provider thinks again
    page.get_by_test_id("action-delist").click()
    expect(page.get_by_test_id("action-delist")).to_be_visible()
    assert "草稿" in page.locator("main").inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("action-delist").click()
    expect(page.get_by_test_id("actions")).to_have_count(0)
