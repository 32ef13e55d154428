"""The buy page read in Traditional Chinese and in English by a Hong Kong buyer: the provider's
words as written, our own labels once, one name for the mainland and for the registration
document across pages, and nothing wider than the screen."""

# The trading fixtures are imported below, so parameters named like them are not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.helpers import serving
from tests.listings import factories as listing_factories
from tests.trading.conftest import (  # noqa: F401 - the trading fixtures, for this module
    app,
    exchange,
    ledger_consistent,
    listing_of,
    trading_config,
)

EXEMPTION = "无个人信息，适用《促进和规范数据跨境流动规定》第三条"
# The exemption's evidence is the exchange's own words: read in the page's language.
EXEMPTION_READ = {
    "zh-TW": "無個人資料，適用《促進和規範數據跨境流動規定》第三條",
    "en": "no personal information: Article 3 of the Provisions on Promoting and Regulating "
    "Cross-Border Data Flows applies",
}


@pytest.fixture
def live(app):
    """The trading app served on a free port."""
    app.config["TESTING"] = False
    with serving(app) as url:
        yield url


def _page(browser, live, user, locale, width):
    context = browser.new_context(
        locale=locale, base_url=live, viewport={"width": width, "height": 900}
    )
    context.set_default_timeout(20000)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("form button[type=submit]").last.click()
    return page


def _fits(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def _placeholder_fits(field) -> bool:
    """Whether a field's placeholder, if any, is shown whole inside it at its own font."""
    return field.evaluate(
        """el => {
          const style = getComputedStyle(el);
          const context = document.createElement("canvas").getContext("2d");
          context.font = style.font;
          const room = el.clientWidth - parseFloat(style.paddingLeft)
            - parseFloat(style.paddingRight);
          return context.measureText(el.placeholder).width <= room;
        }"""
    )


@pytest.mark.parametrize("locale", ["zh-TW", "en"])
@pytest.mark.parametrize("width", [375, 1280])
def test_a_hong_kong_buyer_reads_each_term_once_in_one_script(
    browser, live, exchange, listing_of, db, locale, width
):
    user = factories.user(db)
    factories.organisation(db, user, jurisdiction="HK", registration_number="CR-77")
    db.commit()
    listing = listing_of(
        terms=listing_factories.terms(territory=["CN", "HK"], cross_border=True),
        plans=[
            listing_factories.plan(
                kind="subscription", name_zh="月度订阅", name_en="Monthly subscription",
                period="month", periods=1,
            )
        ],
        review=listing_factories.review_data(
            cross_border_pathway="exempt", cross_border_evidence=EXEMPTION
        ),
    )  # fmt: skip
    page = _page(browser, live, user, locale, width)
    page.goto(f"/listings/{listing.id}/buy")
    plan = page.locator("[data-testid=plan-choice]").inner_text()
    # The provider's name for the plan as written; our label for its kind not beside it.
    assert plan.startswith("月度订阅 · " if locale == "zh-TW" else "Monthly subscription · ")
    assert "訂閱" not in plan and "Subscription" not in plan
    terms = page.locator("[data-testid=cross-border-terms]").inner_text()
    # The evidence names the regulation in the page's language; the pathway does not name it
    # again.
    assert EXEMPTION_READ[locale] in terms and "无个人信息" not in terms
    regulation = "跨境流動規定" if locale == "zh-TW" else "Cross-Border Data Flows"
    assert terms.count(regulation) == 1 and "跨境流动规定" not in terms
    assert "CAC provisions" not in terms
    # The recipient abroad is asked for like every other field, its example read in whole.
    recipient, other = page.locator("#cross_border_recipient"), page.locator("#organisation_id")
    looks = "el => ['fontSize', 'padding', 'border'].map(name => getComputedStyle(el)[name])"
    assert recipient.evaluate(looks) == other.evaluate(looks)
    # As wide as the section it is in allows (up to the fields' 480 px), like the others.
    room = """el => {
      const parent = getComputedStyle(el.parentElement);
      return Math.min(480, el.parentElement.clientWidth - parseFloat(parent.paddingLeft)
        - parseFloat(parent.paddingRight));
    }"""
    assert recipient.bounding_box()["width"] >= recipient.evaluate(room) - 1
    assert _placeholder_fits(recipient)
    assert page.locator("#cross_border_recipient-hint").is_visible()
    text = page.locator("main").inner_text()
    assert "大陸" not in text
    if locale == "zh-TW":
        assert "中國內地" in text
    assert _fits(page)


@pytest.mark.parametrize(
    "locale, document", [("zh-TW", "商業登記證"), ("en", "Business Registration Certificate")]
)
@pytest.mark.parametrize("width", [375, 1280])
def test_the_buy_page_asks_for_the_document_the_organisation_page_names(
    browser, live, exchange, listing_of, db, locale, document, width
):
    listing = listing_of()
    user = factories.user(db)
    organisation = factories.organisation(
        db, user, jurisdiction="HK", registration_number="CR-78", verified=False
    )
    db.commit()
    page = _page(browser, live, user, locale, width)
    page.goto(f"/listings/{listing.id}/buy")
    asked = page.locator("[data-testid=buy-needs-verification]").inner_text()
    assert document in asked and "registration documents" not in asked
    assert _fits(page)
    page.goto(f"/organisations/{organisation.id}")
    assert document in page.locator("[data-testid=verify-now]").inner_text()
    assert _fits(page)
