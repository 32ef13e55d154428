"""A Hong Kong buyer buys mainland data in Chromium, in Chinese and in English: the buy page asks
for what a cross-border order declares (the terms, the recipient abroad, the purpose), names each
missing one in the page's language, and places the order once all are given."""

# The trading fixtures are imported below, so parameters named like them are not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import pytest
import sqlalchemy as sa

from market.trading.models import Order
from tests import factories
from tests.browser.helpers import overflow, screenshot, serving, sign_in
from tests.listings import factories as listing_factories
from tests.trading.conftest import (  # noqa: F401 - the trading fixtures, for this module
    app,
    exchange,
    ledger_consistent,
    listing_of,
    trading_config,
)
from tests.trading.helpers import scalars

# What the page says at each missing part of the declaration, by the browser's language.
MISSING = {
    "zh-CN": {
        "cross_border_terms_accepted": "请先接受跨境条款再下单",
        "cross_border_recipient": "跨境订单须写明在提供方所在法域以外接收数据的一方及其所在地",
        "usage_note": "跨境订单须说明数据在提供方所在法域以外的用途",
    },
    "en": {
        "cross_border_terms_accepted": "accept the cross-border terms to place it",
        "cross_border_recipient": "names who receives the data outside the provider's",
        "usage_note": "says what the data will be used for outside the provider's",
    },
}


@pytest.fixture
def live(app):
    """The trading app served on a free port."""
    app.config["TESTING"] = False
    with serving(app) as url:
        yield url


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_a_hong_kong_buyer_declares_the_export_on_the_buy_page(
    browser, live, exchange, listing_of, db, locale
):
    user = factories.user(db)
    factories.organisation(db, user, jurisdiction="HK", registration_number="CR-77")
    db.commit()
    listing = listing_of(
        terms=listing_factories.terms(territory=["CN", "HK"], cross_border=True),
        review=listing_factories.review_data(
            cross_border_pathway="standard_contract", cross_border_evidence="粤网信备〔2026〕7号"
        ),
    )
    context = browser.new_context(locale=locale, base_url=live)
    context.set_default_timeout(20000)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.goto(f"/listings/{listing.id}/buy")
    page.select_option("#usage_scenario", "research")
    page.click("[data-testid=place-order]")
    for field, words in MISSING[locale].items():
        assert words in page.locator(f"#{field}-error").inner_text()
    assert not scalars(exchange.app, sa.select(Order.id))
    page.check("input[name=cross_border_terms_accepted]")
    page.fill("#cross_border_recipient", "香港數碼分析有限公司，香港")
    page.fill("#usage_note", "港澳零售選址研究")
    page.click("[data-testid=place-order]")
    page.wait_for_url("**/checkout")
    assert scalars(exchange.app, sa.select(Order.cross_border_recipient)) == [
        "香港數碼分析有限公司，香港"
    ]
    context.close()


@pytest.mark.parametrize(
    ("locale", "words"), [("zh-HK", "不能購買此掛牌"), ("en-GB", "cannot buy")]
)
def test_a_singapore_buyer_is_told_before_the_form_that_a_mainland_only_licence_bars_it(
    browser, live, exchange, listing_of, db, locale, words
):
    user = factories.user(db)
    factories.organisation(db, user, jurisdiction="SG", registration_number="SG-7")
    db.commit()
    listing = listing_of()
    for width in (375, 1280):
        context = browser.new_context(
            locale=locale, base_url=live, viewport={"width": width, "height": 900}
        )
        context.set_default_timeout(20000)
        page = context.new_page()
        sign_in(page, user.email)
        page.goto(f"/listings/{listing.id}/buy")
        notice = page.locator("[data-testid=buy-outside-licence]")
        assert notice.is_visible() and words in notice.inner_text()
        assert page.locator("[data-testid=buy-form]").count() == 0
        assert overflow(page) == 0
        screenshot(page, f"buy-outside-licence-{locale}-{width}")
        context.close()


@pytest.mark.parametrize(
    ("locale", "words", "counts"),
    [
        ("zh-CN", "不属于中国内地", "此次购买即属在提供方所在法域以外使用数据"),
        ("en-GB", "not a transfer", "This purchase counts as use of the data outside"),
    ],
)
def test_a_macao_provider_s_data_bought_from_shenzhen_is_said_to_be_used_outside_macao(
    browser, live, exchange, listing_of, db, locale, words, counts
):
    # No export declaration (the data does not leave the mainland), but use outside Macao by
    # the buyer's registration alone: said in a sentence, not offered as a box to tick.
    exchange.provider.jurisdiction = "MO"
    exchange.provider.credit_code = None
    exchange.provider.registration_number = "CR-8"
    user = factories.user(db)
    factories.organisation(db, user, name_zh="深圳市前海数据有限公司")
    db.commit()
    listing = listing_of(terms=listing_factories.terms(territory=["*"], cross_border=True))
    for width in (375, 1280):
        context = browser.new_context(
            locale=locale, base_url=live, viewport={"width": width, "height": 900}
        )
        context.set_default_timeout(20000)
        page = context.new_page()
        sign_in(page, user.email)
        page.goto(f"/listings/{listing.id}/buy")
        assert words in page.locator("[data-testid=not-outbound]").inner_text()
        said = page.locator("[data-testid=cross-border-by-registration]")
        assert said.is_visible() and counts in said.inner_text()
        assert page.locator("input[name=cross_border]").count() == 0
        assert page.locator("[data-testid=cross-border-terms]").count() == 0
        assert overflow(page) == 0
        screenshot(page, f"buy-by-registration-{locale}-{width}")
        if width == 1280:
            page.select_option("#usage_scenario", "research")
            page.click("[data-testid=place-order]")
            page.wait_for_url("**/checkout")
        context.close()
    assert scalars(exchange.app, sa.select(Order.cross_border)) == [True]
    assert scalars(exchange.app, sa.select(Order.outbound)) == [False]


@pytest.mark.parametrize(
    ("locale", "words"), [("zh-HK", "不能購買此掛牌"), ("en-GB", "cannot buy")]
)
def test_the_listing_page_tells_a_barred_buyer_before_it_clicks_buy(
    browser, live, exchange, listing_of, db, locale, words
):
    user = factories.user(db)
    factories.organisation(db, user, jurisdiction="SG", registration_number="SG-9")
    db.commit()
    listing = listing_of()
    for width in (375, 1280):
        context = browser.new_context(
            locale=locale, base_url=live, viewport={"width": width, "height": 900}
        )
        context.set_default_timeout(20000)
        page = context.new_page()
        sign_in(page, user.email)
        page.goto(f"/market/listings/{listing.id}")
        notice = page.locator("[data-testid=buy-outside-licence]")
        assert notice.is_visible() and words in notice.inner_text()
        assert page.locator("[data-testid=buy]").count() == 0
        assert page.locator("[data-testid=buy-outside-licence-ways] a").count() == 2
        assert overflow(page) == 0
        screenshot(page, f"listing-outside-licence-{locale}-{width}")
        context.close()
