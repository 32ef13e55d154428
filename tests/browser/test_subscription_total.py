"""The listing editor says, as the provider types, what a subscription's buyer pays in all."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import sign_in
from tests.listings import factories as lf
from tests.registry import factories as rf

pytestmark = pytest.mark.browser


@pytest.fixture(params=["sqlite"])
def engine_kind(request):
    """Pages are exercised on SQLite; the API tests cover PostgreSQL."""
    return request.param


@pytest.fixture
def certified(live_app):
    """The e-mail of a provider with one certified asset."""
    store = live_app.extensions["files"]
    with live_app.extensions["db"].unit_of_work() as session:
        staff = rf.reviewer(session)
        organisation, owner = rf.provider(session)
        lf.certified_asset(session, store, organisation, owner, staff)
        return owner.email


def test_the_total_for_all_periods_shows_as_the_provider_types(page, certified):
    sign_in(page, certified)
    page.goto("/provider/listings/new")
    page.select_option("#plan0_kind", "subscription")
    page.fill("#plan0_price", "5,000")
    page.select_option("#plan0_period", "month")
    page.fill("#plan0_periods", "12")
    expect(page.locator("#plan0_total")).to_contain_text("60,000.00")
    expect(page.locator("#plan0_total")).to_contain_text("12 ×")
    page.select_option("#plan0_kind", "one_time")
    expect(page.locator("#plan0_total")).to_have_text("")
