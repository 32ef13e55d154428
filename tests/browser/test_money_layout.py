"""Amounts on a phone: an amount never breaks inside (``¥888,000.`` on one line and ``00`` on
the next), and Chinese labels end in the full-width colon."""

# The trading fixtures are imported below, so parameters named like them are not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import pytest

from tests.browser.helpers import sign_in
from tests.browser.test_trading_checkout import live, page  # noqa: F401
from tests.finance.factories import payee_account
from tests.listings import factories as lf
from tests.trading.conftest import (  # noqa: F401 - the trading fixtures, for this module
    app,
    exchange,
    ledger_consistent,
    listing,
    listing_of,
    trading_config,
)
from tests.trading.helpers import pay_by_bank, place

pytestmark = pytest.mark.browser

# The lines each amount of the page's main part takes (one per distinct top of its boxes).
LINES = """() => [...document.querySelectorAll('main .figure strong, main .money')].map(element => {
  const range = document.createRange();
  range.selectNodeContents(element);
  const tops = new Set([...range.getClientRects()].map(rect => Math.round(rect.top)));
  return [element.textContent.trim(), tops.size];
})"""


@pytest.fixture(params=["sqlite"])
def engine_kind(request):
    """The layout does not depend on the engine."""
    return request.param


def test_big_amounts_stay_on_one_line_on_a_phone(browser, live, exchange, listing_of, db, drain):
    payee_account(db, exchange.provider)
    db.commit()
    big = listing_of(plans=[lf.plan(price_minor=88_800_000)])  # ¥888,000.00
    order = place(exchange, big)
    assert pay_by_bank(exchange, order).status_code == 201
    exchange.api("POST", f"/orders/{order['id']}/accept", exchange.buyer_api)
    drain()
    context = browser.new_context(
        locale="zh-CN", base_url=live, viewport={"width": 375, "height": 800}
    )
    phone = context.new_page()
    try:
        sign_in(phone, exchange.provider_user.email)
        for path in ("/provider/dashboard", f"/orders/{order['id']}", "/orders"):
            phone.goto(path)
            amounts = phone.evaluate(LINES)
            assert any("888,000.00" in text for text, _ in amounts), (path, amounts)
            assert [item for item in amounts if item[1] != 1] == [], path
    finally:
        context.close()


def test_chinese_labels_end_in_the_full_width_colon(browser, live, exchange, listing):
    context = browser.new_context(locale="zh-CN", base_url=live)
    phone = context.new_page()
    try:
        sign_in(phone, exchange.provider_user.email)
        phone.goto(f"/market/listings/{listing.id}")
        text = phone.locator("main").inner_text()
        phone.goto(f"/organisations/{exchange.provider.id}")
        text += phone.locator("main").inner_text()
        assert "注册地：" in text, text
        assert not [line for line in text.splitlines() if ": " in line and not line.isascii()]
    finally:
        context.close()
