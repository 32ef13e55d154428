"""A buyer buys a listing in Chromium: the checkout page runs localstripe's stand-in Stripe.js
(card element, tokenisation, 3-D Secure through ``confirmCardPayment``)."""

# The trading fixtures are imported below, so parameters named like them are not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.helpers import overflow, screenshot, serving, sign_in
from tests.listings.factories import PRICE
from tests.trading.conftest import (  # noqa: F401 - the trading fixtures, for this module
    app,
    exchange,
    ledger_consistent,
    listing,
    listing_of,
    trading_config,
)
from tests.trading.helpers import CARD_3DS, balance


@pytest.fixture
def live(app):
    """The trading app (Stripe at localstripe) served on a free port."""
    app.config["TESTING"] = False
    with serving(app) as url:
        yield url


@pytest.fixture
def page(browser, live):
    """A fresh browser context on the live app, in Chinese."""
    context = browser.new_context(locale="zh-CN", base_url=live)
    context.set_default_timeout(20000)
    yield context.new_page()
    context.close()


def test_buyer_pays_by_card_with_3d_secure_and_gets_the_files(page, exchange, listing):
    page.goto("/login")
    page.fill("input[name=email]", exchange.buyer_user.email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.goto(f"/listings/{listing.id}/buy")
    page.select_option("#usage_scenario", "research")
    page.click("[data-testid=place-order]")
    page.wait_for_url("**/checkout")
    for placeholder, value in (
        ("number", CARD_3DS), ("exp_month", "12"), ("exp_year", "30"), ("cvc", "123"),
        ("postal_code", "518000"),
    ):  # fmt: skip
        page.fill(f"#card-element input[placeholder={placeholder}]", value)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.click("[data-testid=pay-button]")
    # localstripe's 3-D Secure dialog: the buyer completes the authentication.
    page.get_by_role("button", name="Complete authentication").click()
    page.wait_for_url("**/orders/*")
    assert page.locator("[data-testid=order-status]").get_attribute("data-status") == "delivered"
    assert page.locator("[data-testid=download]").count() == 1
    assert dialogs == []  # paying asks no question of its own
    order_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    assert balance(exchange.app, f"liabilities:escrow:order:{order_id}") == PRICE


CHOOSE_USAGE = {
    "zh-CN": "请选择使用场景，即数据的用途。",
    "zh-TW": "請選擇使用場景，即數據的用途。",
    "en-GB": "Choose the usage scenario: what the data is for.",
}


@pytest.mark.parametrize("locale", sorted(CHOOSE_USAGE))
def test_the_buy_page_asks_for_a_usage_scenario_before_ordering(
    browser, live, exchange, listing, locale
):
    for width in (375, 1280):
        context = browser.new_context(
            locale=locale, base_url=live, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        sign_in(page, exchange.buyer_user.email)
        page.goto(f"/listings/{listing.id}/buy")
        assert page.input_value("#usage_scenario") == ""
        page.click("[data-testid=place-order]")  # the browser holds back an unchosen use
        assert page.evaluate("document.querySelector('#usage_scenario').validity.valueMissing")
        assert page.url.endswith("/buy")
        # Without the browser's check (an old browser), the exchange refuses it by name.
        page.evaluate("document.querySelector('#usage_scenario').removeAttribute('required')")
        page.click("[data-testid=place-order]")
        page.wait_for_load_state()
        assert page.locator("#usage_scenario-error").inner_text() == CHOOSE_USAGE[locale]
        assert page.get_attribute("#usage_scenario", "aria-invalid") == "true"
        assert overflow(page) == 0, (locale, width)
        screenshot(page, f"buy-usage-unchosen-{locale}-{width}")
        context.close()
