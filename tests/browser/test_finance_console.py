"""The finance console in Chromium: what finance staff see and what asks before it acts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

import ledger
from market.db import utcnow
from market.identity.models import StaffRole
from tests import factories
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(params=["sqlite"])
def engine_kind(request):
    """Pages are exercised on SQLite; the API tests cover PostgreSQL."""
    return request.param


@pytest.fixture
def finance_email(live_app):
    """A finance user of the operator, and last month's period, whose close another asked."""
    now = utcnow()
    with live_app.extensions["db"].unit_of_work() as session:
        user = factories.user(session, staff=(StaffRole.FINANCE,))
        factories.organisation(session, user, is_operator=True)
        ledger.create_period(
            session, "last-month", now - timedelta(days=40), now - timedelta(days=9)
        )
        ledger.request_close(session, "last-month", requested_by="other@exchange.cn", now=now)
        return user.email


def test_closing_a_period_asks_first(page, finance_email):
    sign_in(page, finance_email)
    page.goto("/finance/periods")
    close = page.get_by_role("button", name="批准关闭")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    close.click()
    # Thought better of it: nothing was sent, the period is still open.
    expect(close).to_be_visible()
    assert questions and "关闭此会计期间" in questions[0]
    # Confirmed: the form is sent (the page answers with the period closed or the checklist).
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        close.click()


def test_finance_staff_menu_offers_only_their_tools(page, finance_email):
    sign_in(page, finance_email)
    page.goto("/finance/payouts")
    workspace = page.get_by_role("navigation", name="工作台")
    expect(workspace.get_by_role("link", name="总账")).to_be_visible()
    for item in ("订单", "我的挂牌", "资产"):
        expect(workspace.get_by_role("link", name=item, exact=True)).to_have_count(0)


def test_a_match_with_a_difference_is_accepted_knowingly(page, live_app, finance_email):
    from market.finance import bank, matching
    from market.trading.settings import from_config
    from tests.finance.conftest import Books, today
    from tests.finance.generated import BankRow, icbc_csv
    from tests.listings.factories import PRICE

    with live_app.extensions["db"].unit_of_work() as session:
        books = Books(session, live_app.extensions["files"], from_config(live_app.config))
        books.transfer("TYPED-WRONG", PRICE)
        account = bank.create_account(
            session, {"name": "工行", "bank_name": "工行", "account_number": "400002100920",
                      "currency": "CNY", "csv_layout": "icbc"},
        )  # fmt: skip
        rows = [BankRow(today(), PRICE - 100, "L1", "买方", "", "货款")]
        bank.import_statement(session, account.id, icbc_csv(rows, 0), "csv", None, utcnow())
        matching.run(session, utcnow())
    sign_in(page, finance_email)
    page.goto("/finance/reconciliation")
    queue = page.get_by_test_id("exceptions")
    expect(queue.get_by_test_id("candidate-difference")).to_have_text("差额 -¥1.00")
    queue.get_by_role("button", name="匹配", exact=True).click()
    expect(page.get_by_text("金额相差 -¥1.00")).to_be_visible()
    page.get_by_test_id("exceptions").get_by_label("接受差额").check()
    page.get_by_test_id("exceptions").get_by_role("button", name="匹配", exact=True).click()
    expect(page.get_by_test_id("difference")).to_contain_text("待说明的差额：-¥1.00")


def test_a_column_mapping_is_typed_on_the_imports_page(page, live_app, finance_email):
    sign_in(page, finance_email)
    page.goto("/finance/imports")
    form = page.locator("form[action$='/finance/imports/bank-accounts']")
    # By accessible name: the visible required mark (*) is hidden from it.
    form.get_by_role("textbox", name="名称", exact=True).fill("某银行")
    form.get_by_role("textbox", name="开户银行", exact=True).fill("某银行股份有限公司")
    form.get_by_role("textbox", name="账号", exact=True).fill("1234567890")
    mapping = form.get_by_role("group", name="列映射（没有现成格式的银行）")
    mapping.get_by_label("起息日").fill("日期")
    mapping.get_by_label("金额（带正负号）").fill("金额")
    mapping.get_by_label("银行流水号").fill("流水号")
    with page.expect_navigation():
        form.get_by_role("button", name="登记账户").click()
    expect(page.get_by_role("cell", name="已保存的列映射")).to_be_visible()


def test_refunds_are_listed_by_status_and_sent_only_where_they_can_be(
    page, live_app, finance_email
):
    from market.finance import payees, refund_transfers
    from market.trading import refunds
    from market.trading.settings import from_config
    from tests.finance.conftest import Books, today
    from tests.finance.test_payouts import MAINLAND_ACCOUNT

    with live_app.extensions["db"].unit_of_work() as session:
        books = Books(session, live_app.extensions["files"], from_config(live_app.config))
        stranger = Books(session, live_app.extensions["files"], from_config(live_app.config))
        paid, _ = refunds.request(
            session, books.transfer("ICBC0001").id, 10_000, "部分退款", books.finance, utcnow()
        )
        nowhere, _ = refunds.request(
            session, stranger.transfer("ICBC0002").id, 5_000, "退款", books.finance, utcnow()
        )
        payee = payees.request_change(
            session, books.buyer.id, books.finance, MAINLAND_ACCOUNT, utcnow()
        )
        payees.confirm(session, payee.id, factories.user(session), utcnow())
        refund_transfers.send(session, paid.id, books.finance, utcnow())
        refund_transfers.mark_paid(session, paid.id, today(), "ICBC0009", utcnow())
        paid, nowhere = f"SJ-REFUND-{paid.id}", f"SJ-REFUND-{nowhere.id}"
    sign_in(page, finance_email)
    page.goto("/finance/payouts")
    table = page.get_by_test_id("refunds-to-send")
    row = table.get_by_role("row").filter(has_text=nowhere)
    expect(row).to_contain_text("没有已确认的收款账户")
    expect(row.get_by_role("button")).to_have_count(0)  # nowhere to send it yet
    expect(table.get_by_role("row").filter(has_text=paid)).to_have_count(0)
    table.get_by_role("link", name="已付款", exact=True).click()
    paid_row = page.get_by_test_id("refunds-to-send").get_by_role("row").filter(has_text=paid)
    expect(paid_row).to_contain_text("ICBC0009")
    expect(
        page.get_by_test_id("refunds-to-send").get_by_role("row").filter(has_text=nowhere)
    ).to_have_count(0)


def test_a_receipt_form_names_every_mistake_at_once(page, finance_email):
    sign_in(page, finance_email)
    page.goto("/finance/receipts")
    page.get_by_label("付款附言编号").fill("SJ123")
    page.get_by_label("到账金额").fill("1,0,0.00")
    with page.expect_navigation():
        page.get_by_role("button", name="登记到账").click()
    for name in ("reference", "amount", "bank_transaction_id"):
        expect(page.locator(f"#{name}-error")).to_be_visible()
    expect(page.locator("#reference-error")).to_contain_text("付款附言编号")
    expect(page.get_by_label("付款附言编号")).to_have_value("SJ123")


def test_a_receipt_is_booked_on_the_value_date_typed(page, live_app, finance_email):
    import sqlalchemy as sa

    from market.trading.models import Payment
    from market.trading.settings import from_config
    from tests.finance.conftest import Books, today
    from tests.listings.factories import PRICE

    with live_app.extensions["db"].unit_of_work() as session:
        reference = Books(session, live_app.extensions["files"], from_config(live_app.config))
        reference = reference.order().reference
    day = today() - timedelta(days=5)
    sign_in(page, finance_email)
    page.goto("/finance/receipts")
    expect(page.get_by_label("起息日")).to_have_value(today().isoformat())
    page.get_by_label("付款附言编号").fill(reference)
    page.get_by_label("到账金额").fill(f"{PRICE // 100}")
    page.get_by_label("银行流水号").fill("ICBC-VD-1")
    page.get_by_label("起息日").fill(day.isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="登记到账").click()
    with live_app.extensions["db"].unit_of_work() as session:
        recorded = session.scalar(
            sa.select(Payment).where(Payment.bank_transaction_id == "ICBC-VD-1")
        )
        assert recorded.value_date == day


def test_an_order_candidate_leads_to_its_receipt_and_the_next_run_matches_it(
    page, live_app, finance_email
):
    from market.finance import bank, matching
    from market.trading.settings import from_config
    from tests.finance.conftest import Books, today
    from tests.finance.generated import BankRow, icbc_csv
    from tests.listings.factories import PRICE

    day = today() - timedelta(days=2)
    with live_app.extensions["db"].unit_of_work() as session:
        books = Books(session, live_app.extensions["files"], from_config(live_app.config))
        order = books.order()
        account = bank.create_account(
            session, {"name": "工行", "bank_name": "工行", "account_number": "400002100921",
                      "currency": "CNY", "csv_layout": "icbc"},
        )  # fmt: skip
        rows = [BankRow(day, PRICE, "ICBC-ORD-1", "买方公司", "", f"{order.reference} 数据订单款")]
        bank.import_statement(session, account.id, icbc_csv(rows, 0), "csv", None, utcnow())
        reference = order.reference  # the remark quotes it: only finance's receipt is missing
    with live_app.extensions["db"].unit_of_work() as session:
        matching.run(session, utcnow())
    sign_in(page, finance_email)
    page.goto("/finance/reconciliation")
    queue = page.get_by_test_id("exceptions")
    queue.get_by_role("link", name="登记这笔到账").click()
    expect(page.get_by_label("付款附言编号")).to_have_value(reference)
    expect(page.get_by_label("银行流水号")).to_have_value("ICBC-ORD-1")
    expect(page.get_by_label("起息日")).to_have_value(day.isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="登记到账").click()
    assert page.url.endswith("/finance/reconciliation")
    with page.expect_navigation():
        page.get_by_role("button", name="立即对账").click()
    expect(page.get_by_test_id("exceptions").get_by_role("heading")).to_have_text("差异项 (0)")


def test_the_ledger_pages_name_every_account_and_entry_in_chinese(page, live_app, finance_email):
    from ledger import credit, debit, post

    with live_app.extensions["db"].unit_of_work() as session:
        post(session, "bank_opening:2", [
            debit("assets:bank:cmb-main", 170_000_000, "CNY"),
            credit("equity:opening_balances", 170_000_000, "CNY"),
        ], description="Opening balance of bank account 2")  # fmt: skip
        post(session, "refund:7", [
            debit("expenses:bank_charges", 495_000, "CNY"),
            credit("liabilities:refunds_payable:org:7", 495_000, "CNY"),
        ], description="refund 7 of order SJ0000000195")  # fmt: skip
        post(session, "refund:7:sent", [
            debit("liabilities:refunds_payable:org:7", 495_000, "CNY"),
            credit("liabilities:refunds_in_transit", 495_000, "CNY"),
        ], description="refund 7 sent to the buyer's bank account")  # fmt: skip
    sign_in(page, finance_email)
    page.goto("/finance/ledger")
    chart = page.locator("main")
    for name in ("应付退款（机构 7）", "在途退款", "期初余额", "银行存款 · cmb-main"):
        expect(chart).to_contain_text(name)
    expect(chart.locator("code", has_text="liabilities:refunds_payable:org:7")).to_be_visible()
    page.goto("/finance/ledger/statement?account=assets:bank:cmb-main&currency=CNY")
    expect(page.locator("main")).to_contain_text("银行账户 2 的期初余额")
    expect(page.locator("main")).not_to_contain_text("Opening balance of bank account")


def test_the_periods_page_says_the_ledger_s_refusals_in_chinese(page, live_app, finance_email):
    sign_in(page, finance_email)
    page.goto("/finance/periods")
    # Another finance user closes it while this page is open.
    with live_app.extensions["db"].unit_of_work() as session:
        ledger.close_period(session, "last-month", closed_by="third@exchange.cn")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="批准关闭").click()
    main = page.locator("main")
    expect(main).to_contain_text("会计期间 last-month 已关账")
    expect(main).not_to_contain_text("is closed")
