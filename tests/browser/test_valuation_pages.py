"""The appraiser's inputs editor in a real browser, on a phone (375 px), in both languages:
amounts typed in yuan, errors beside their fields, an exchange trade included, axe clean."""

from __future__ import annotations

from datetime import timedelta

import pytest

from market.db import utcnow
from market.identity.models import StaffRole
from market.trading.models import OrderStatus
from market.valuation import schemas, services
from market.valuation.models import ValuationReport
from tests import factories
from tests.browser.helpers import overflow, screenshot, sign_in
from tests.browser.pagecheck import axe as _axe
from tests.listings import factories as lf
from tests.registry import factories as rf
from tests.valuation.test_listing_badge import _order

pytestmark = pytest.mark.browser


@pytest.fixture(params=["sqlite"])
def engine_kind(request):
    """Pages are exercised on SQLite; the API tests cover PostgreSQL."""
    return request.param


@pytest.fixture
def taken(live_app):
    """``(appraiser e-mail, report id)``: a valuation taken by an appraiser, with one settled
    trade of the exchange to compare with."""
    store = live_app.extensions["files"]
    with live_app.extensions["db"].unit_of_work() as session:
        organisation, owner = rf.provider(session)
        listing = lf.published_listing(session, store, organisation, owner, rf.reviewer(session))
        buyer, _ = rf.provider(session)
        _order(session, listing, buyer, OrderStatus.SETTLED, utcnow() - timedelta(days=3), 420_000)
        asset = rf.asset(session, organisation, owner)
        rf.version(session, store, asset, owner)
        appraiser = factories.user(session, staff=(StaffRole.APPRAISER,))
        now = utcnow()
        report = services.request(
            session, [organisation.id], owner, {"asset_id": asset.id, "purpose": "trading"}, now
        )
        services.take(session, report, appraiser, now)
        return appraiser.email, report.id


@pytest.mark.parametrize(("locale", "error"), [("zh-CN", "最多"), ("en", "at most 2 decimal")])
def test_an_appraiser_fills_the_inputs_on_a_phone(browser, live_app, taken, locale, error):
    email, report_id = taken
    context = browser.new_context(
        locale=locale, base_url=live_app.url, viewport={"width": 375, "height": 800}
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    try:
        sign_in(page, email)
        page.goto(f"/valuations/{report_id}")
        page.fill("#weight_cost", "0.5")
        page.fill("#weight_market", "0.5")
        page.select_option("#cost_item0_category", "collection")
        page.fill("#cost_item0_amount", "300,000.005")  # one decimal too many
        page.locator("input[name$='_include']").first.check()
        page.select_option("#disclosure_classification", "inventory")
        page.fill("#qo_coefficient", "0.9")
        page.fill("#qo_reason", "抽样核验")
        page.get_by_role("button", name="保存参数" if locale == "zh-CN" else "Save inputs").click()
        page.wait_for_load_state()

        message = page.locator("#cost_item0_amount-error")
        assert error in message.inner_text()
        assert page.locator("#cost_item0_amount").get_attribute("aria-invalid") == "true"
        assert page.input_value("#cost_item0_amount") == "300,000.005"  # kept as typed
        assert page.locator("input[name$='_include']").first.is_checked()
        assert overflow(page) == 0
        assert _axe(page) == []
        screenshot(page, f"valuation-inputs-error-{locale}-375")

        page.fill("#cost_item0_amount", "300,000.00")
        page.get_by_role("button", name="保存参数" if locale == "zh-CN" else "Save inputs").click()
        page.wait_for_load_state()
        assert page.locator(".error").count() == 0
    finally:
        context.close()
    with live_app.extensions["db"].unit_of_work() as session:
        inputs = session.get(ValuationReport, report_id).inputs
    assert inputs["cost"]["items"] == [
        {"category": "collection", "amount": 30_000_000, "basis": "replacement", "note": None}
    ]
    (trade,) = inputs["market"]["comparables"]
    assert trade["source"] == "exchange" and trade["price"] == 420_000


def test_finalising_asks_first(browser, live_app, taken):
    # Finalising is for good (number, hash, registry): the browser asks, and "no" keeps it open.
    email, report_id = taken
    with live_app.extensions["db"].unit_of_work() as session:
        report = session.get(ValuationReport, report_id)
        schema = schemas.InputsSchema()
        services.save_inputs(session, report, report.appraiser, schema.dump(schema.load(READY)))
        services.run(session, report, report.appraiser, utcnow())
    context = browser.new_context(locale="en", base_url=live_app.url)
    context.set_default_timeout(15000)
    page = context.new_page()
    try:
        sign_in(page, email)
        page.goto(f"/valuations/{report_id}")
        questions = []
        page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
        page.get_by_role("button", name="Finalise and sign").click()
        page.wait_for_timeout(500)
        assert questions and "cannot be changed afterwards" in questions[0]
        with live_app.extensions["db"].unit_of_work() as session:
            assert session.get(ValuationReport, report_id).number is None
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Finalise and sign").click()
        page.wait_for_load_state()
        with live_app.extensions["db"].unit_of_work() as session:
            assert session.get(ValuationReport, report_id).number
    finally:
        context.close()


READY = {
    "weights": {"cost": "1"},
    "cost": {"items": [{"category": "collection", "amount": 600_000}]},
    "quality_override": {"coefficient": "1", "reason": "reviewed by hand"},
    "disclosure": {"classification": "inventory"},
}


def test_report_charts_stay_readable_on_a_phone(browser, live_app, taken):
    # Shrunk to the phone's width, a 560-unit chart printed its 12-unit labels about 7 px high.
    email, report_id = taken
    with live_app.extensions["db"].unit_of_work() as session:
        report = session.get(ValuationReport, report_id)
        schema = schemas.InputsSchema()
        services.save_inputs(session, report, report.appraiser, schema.dump(schema.load(READY)))
        services.run(session, report, report.appraiser, utcnow())
    context = browser.new_context(
        locale="zh-CN", base_url=live_app.url, viewport={"width": 375, "height": 800}
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    try:
        sign_in(page, email)
        page.goto(f"/valuations/{report_id}")
        chart = page.locator("figure > svg").first
        label = chart.locator("text").first
        assert label.bounding_box()["height"] >= 11
        assert overflow(page) == 0
        screenshot(page, "valuation-report-chart-375")
    finally:
        context.close()
