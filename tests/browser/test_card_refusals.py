"""A refused card at checkout, in Chromium, in Chinese and in English: the buyer reads why in the
page's language, never the processor's English, and may try again."""

# The trading fixtures are imported below, so parameters named like them are not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import serving
from tests.trading.conftest import (  # noqa: F401 - the trading fixtures, for this module
    app,
    exchange,
    ledger_consistent,
    listing,
    listing_of,
    trading_config,
)

DECLINED_CARD = "4000000000000341"  # attaches, then its charge is declined (card_declined)

READS = {
    "zh-CN": {
        "declined": "银行卡被拒绝。请换一张卡，或改用银行转账支付。",
        "malformed": "银行卡未被接受：请核对卡号、有效期（月/年，MM/YY）和安全码，或换一张卡。",
    },
    "en": {
        "declined": "The card was declined. Use another card, or pay by bank transfer.",
        "malformed": "The card was not accepted: check its number, expiry date (MM/YY) and "
        "security code, or use another card.",
    },
}


@pytest.fixture
def live(app):
    """The trading app (Stripe at localstripe) served on a free port."""
    app.config["TESTING"] = False
    with serving(app) as url:
        yield url


def _checkout(browser, live, exchange, listing, locale):
    context = browser.new_context(locale=locale, base_url=live)
    context.set_default_timeout(20000)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=email]", exchange.buyer_user.email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.goto(f"/listings/{listing.id}/buy")
    page.select_option("#usage_scenario", "research")
    page.click("[data-testid=place-order]")
    page.wait_for_url("**/checkout")
    return context, page


def _pay(page, number: str, exp_year: str) -> str:
    for placeholder, value in (
        ("number", number), ("exp_month", "12"), ("exp_year", exp_year), ("cvc", "123"),
        ("postal_code", "518000"),
    ):  # fmt: skip
        page.fill(f"#card-element input[placeholder={placeholder}]", value)
    page.click("[data-testid=pay-button]")
    expect(page.locator("#card-error")).not_to_have_text("")
    assert page.locator("#pay-button").is_enabled()  # the buyer may try again
    return page.locator("#card-error").inner_text()


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_a_declined_card_reads_in_the_pages_language(browser, live, exchange, listing, locale):
    context, page = _checkout(browser, live, exchange, listing, locale)
    assert _pay(page, DECLINED_CARD, "30") == READS[locale]["declined"]
    context.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_card_details_refused_in_the_browser_read_in_the_pages_language(
    browser, live, exchange, listing, locale
):
    context, page = _checkout(browser, live, exchange, listing, locale)
    # An expiry year the processor refuses without a code ("Bad request" at localstripe).
    assert _pay(page, "4242424242424242", "1999") == READS[locale]["malformed"]
    context.close()
