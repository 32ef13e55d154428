"""The forms buyers and providers fill in most, saved through a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import sign_in
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


def test_a_rights_claim_saves_with_no_source_certificates(page, asset_id):
    email, asset = asset_id
    sign_in(page, email)
    page.goto(f"/registry/assets/{asset}/claims/new")
    page.locator("input[name=rights][value=holding]").check()
    page.fill("#source_note", "自行采集")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url("**/registry/claims/*")
