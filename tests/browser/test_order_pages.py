"""An order's pages in Chromium, under the site's Content-Security-Policy: the receipt and the
statement print, a move says so once, and a dispute reason of spaces is refused at its field."""

# The trading fixtures are imported below, so parameters named like them are not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import pytest

from tests.browser.helpers import sign_in
from tests.browser.test_trading_checkout import live, page  # noqa: F401
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
ACCEPTED = "已验收，将向提供方结算。"


@pytest.fixture(params=["sqlite"])
def engine_kind(request):
    """The pages' behaviour does not depend on the engine; the API tests cover PostgreSQL."""
    return request.param


@pytest.fixture
def paid_order(exchange, listing):
    """An order of the buyer's, paid by bank transfer."""
    order = place(exchange, listing)
    assert pay_by_bank(exchange, order).status_code == 201
    return order


@pytest.mark.parametrize("path", ["/orders/{id}/receipt", "/provider/statement"])
def test_the_print_button_prints(page, exchange, paid_order, path):
    # window.print is replaced before any script of the page runs, to see it called.
    page.add_init_script("window.print = () => { window.printed = true; };")
    refused = []
    page.on("console", lambda message: message.type == "error" and refused.append(message.text))
    sign_in(page, exchange.buyer_user.email)
    page.goto(path.format(id=paid_order["id"]))
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("window.printed === true"), refused
    assert not [text for text in refused if "Content Security Policy" in text]


def test_without_script_no_print_button_is_offered(browser, live, exchange, paid_order):
    context = browser.new_context(locale="zh-CN", base_url=live, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, exchange.buyer_user.email)
        page.goto(f"/orders/{paid_order['id']}/receipt")
        assert page.get_by_role("button", name="打印").count() == 0
    finally:
        context.close()


def test_a_move_on_an_order_is_announced_once(page, exchange, paid_order):
    sign_in(page, exchange.buyer_user.email)
    page.goto(f"/orders/{paid_order['id']}")
    # Accepting pays the provider and ends the right to dispute: the buyer is asked first.
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.locator("form[action$='/accept'] button").click()
    page.wait_for_load_state()
    assert questions == ["验收交付？验收后款项结算给提供方，订单不能再提出争议。"]
    assert page.locator("main .flash").all_inner_texts() == [ACCEPTED]


def test_a_dispute_reason_of_spaces_is_refused_at_its_field(page, exchange, paid_order):
    sign_in(page, exchange.buyer_user.email)
    page.goto(f"/orders/{paid_order['id']}")
    page.locator("form[action$='/dispute'] textarea[name=reason]").fill("   ")
    page.locator("form[action$='/dispute'] button").click()
    page.wait_for_load_state()
    assert page.locator("#reason-error").inner_text() == "不能为空，也不能只有空格。"
    assert page.locator("main .flash").count() == 0
    status = exchange.api("GET", f"/orders/{paid_order['id']}", exchange.buyer_api).get_json()
    assert status["status"] != "disputed"


def test_the_language_switch_after_a_refused_form_leads_back_to_the_order(
    page, exchange, paid_order
):
    # The refused form re-renders at its own POST address; switching language asks for that
    # address again, which leads to the order's page in the chosen language, not an error.
    sign_in(page, exchange.buyer_user.email)
    page.goto(f"/orders/{paid_order['id']}")
    page.locator("form[action$='/dispute'] textarea[name=reason]").fill("   ")
    page.locator("form[action$='/dispute'] button").click()
    page.wait_for_load_state()
    assert page.url.endswith("/dispute")
    page.get_by_test_id("language-en").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/orders/{paid_order['id']}")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("form[action$='/dispute'] textarea[name=reason]").count() == 1


def test_on_a_phone_each_order_cell_names_its_column(browser, live, exchange, paid_order):
    context = browser.new_context(
        locale="zh-CN", base_url=live, viewport={"width": 375, "height": 800}
    )
    page = context.new_page()
    try:
        sign_in(page, exchange.buyer_user.email)
        page.goto("/orders")
        head = page.locator("main table thead").bounding_box()
        assert head["height"] <= 1  # the head is left to screen readers
        first = page.locator("main table tbody td").first
        label = first.evaluate("cell => getComputedStyle(cell, '::before').content")
        assert label == '"编号："'  # the full-width colon of Chinese text
    finally:
        context.close()


def test_on_a_phone_a_table_cell_takes_its_columns_name_from_the_head(
    browser, live, exchange, paid_order
):
    context = browser.new_context(
        locale="zh-CN", base_url=live, viewport={"width": 375, "height": 800}
    )
    page = context.new_page()
    try:
        sign_in(page, exchange.buyer_user.email)
        page.goto("/organisations")  # a table whose template gives its cells no data-label
        heads = page.locator("main table thead th").all_inner_texts()
        cells = page.locator("main table tbody tr").first.locator("td")
        labels = [
            cells.nth(i).evaluate("cell => getComputedStyle(cell, '::before').content")
            for i in range(cells.count())
        ]
        assert labels == [f'"{head}："' for head in heads]  # Chinese: the full-width colon
    finally:
        context.close()


def test_cancelling_an_order_asks_first_and_is_styled_apart(page, exchange, listing):
    order = place(exchange, listing)
    sign_in(page, exchange.buyer_user.email)
    page.goto(f"/orders/{order['id']}")
    button = page.get_by_test_id("action-cancel")
    assert "danger" in button.get_attribute("class")
    questions = []

    def answer(dialog, accept):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    button.click()
    assert questions == ["取消此订单？取消后无法恢复，如需购买请重新下单。"]
    assert _status(exchange, order) == "awaiting_payment"
    page.once("dialog", lambda dialog: answer(dialog, True))
    button.click()
    page.locator("main .flash").wait_for()
    assert _status(exchange, order) == "cancelled"


def _status(exchange, order) -> str:
    return exchange.api("GET", f"/orders/{order['id']}", exchange.buyer_api).get_json()["status"]
