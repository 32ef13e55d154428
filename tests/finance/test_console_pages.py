"""The finance console's pages, as finance staff use them (and nobody else can)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import url_for
from markupsafe import escape

from market.db import utcnow
from market.finance import bank, matching, stripe_import
from market.finance.models import (
    BalanceAssertion,
    Correction,
    PayeeAccount,
    ReconException,
    StripeBalanceTransaction,
)
from market.identity.models import StaffRole
from tests import factories
from tests.finance.conftest import today
from tests.finance.generated import BankRow, icbc_csv, stripe_csv, stripe_row
from tests.web import WebClient, page_text

ROOT = Path(__file__).resolve().parents[2]


def _web(app, user):
    client = WebClient(app)
    client.log_in(user.email, factories.PASSWORD)
    return client


def _interest_statement(db, opening: int = 0) -> None:
    """A bank account of the exchange whose statement holds one line the books lack: ¥5 of
    interest, after an ``opening`` balance (in fen)."""
    account = bank.create_account(
        db, {"name": "工行", "bank_name": "工行", "account_number": "400002100920",
             "currency": "CNY", "csv_layout": "icbc"},
    )  # fmt: skip
    rows = [BankRow(today(), 500, "L9", "", "", "利息")]
    bank.import_statement(db, account.id, icbc_csv(rows, opening), "csv", None, utcnow())


def _interest_exception(db) -> int:
    """The reconciliation exception the interest statement's line makes once matched: its id."""
    _interest_statement(db)
    matching.run(db, utcnow())
    exception_id = db.scalar(sa.select(ReconException.id))
    db.commit()
    return exception_id


def test_pages_are_for_finance_only(app, db):
    finance = factories.user(db, staff=(StaffRole.FINANCE,))
    outsider = factories.user(db)
    db.commit()
    staff, other = _web(app, finance), _web(app, outsider)
    for page in ("/finance/payees", "/finance/payouts", "/finance/reconciliation"):
        assert staff.get(page).status_code == 200, page
        assert other.get(page).status_code == 403, page


def test_a_payee_entered_by_form_waits_for_another_user(app, db):
    first = factories.user(db, staff=(StaffRole.FINANCE,))
    second = factories.user(db, staff=(StaffRole.FINANCE,))
    provider = factories.organisation(db)
    db.commit()
    form = {"organisation_id": provider.id, "account_name": "深圳数据有限公司",
            "bank_name": "招商银行", "branch_name": "", "account_number": "755912345678901",
            "cnaps_code": "308584000013", "swift_bic": "", "iban": ""}  # fmt: skip
    entered = _web(app, first).submit("/finance/payees", form)
    assert entered.status_code == 302
    with app.extensions["db"].unit_of_work() as session:
        payee_id = session.scalar(sa.select(PayeeAccount.id))
    page = _web(app, first).get("/finance/payees").get_data(as_text=True)
    assert "须由另一位财务人员确认" in page or "Another finance user must confirm it." in page
    confirmed = _web(app, second).submit(
        f"/finance/payees/{payee_id}/confirm", {}, page="/finance/payees"
    )
    assert confirmed.status_code == 302
    with app.extensions["db"].unit_of_work() as session:
        assert session.get(PayeeAccount, payee_id).status == "active"
    bad = _web(app, first).submit("/finance/payees", {**form, "cnaps_code": "12"})
    assert bad.status_code == 422 and "cnaps_code-error" in bad.get_data(as_text=True)


def test_an_exception_is_marked_by_form(app, db):
    finance = factories.user(db, staff=(StaffRole.FINANCE,))
    exception_id = _interest_exception(db)
    web = _web(app, finance)
    assert "利息" in web.get("/finance/reconciliation").get_data(as_text=True)
    done = web.submit(
        f"/finance/reconciliation/{exception_id}/mark", {"reason": "活期利息"},
        page="/finance/reconciliation",
    )  # fmt: skip
    assert done.status_code == 302
    with app.extensions["db"].unit_of_work() as session:
        assert session.get(ReconException, exception_id).resolution == "marked"


def test_the_audit_trail_reads_as_labelled_lines_in_both_languages(app, db):
    finance = factories.user(db, staff=(StaffRole.FINANCE,))
    _interest_statement(db)
    db.commit()
    web = _web(app, finance)
    assert (
        web.submit("/finance/reconciliation/run", {}, page="/finance/reconciliation").status_code
        == 302
    )
    exception_id = db.scalar(sa.select(ReconException.id))
    db.commit()
    done = web.submit(
        f"/finance/reconciliation/{exception_id}/mark", {"reason": "活期利息"},
        page="/finance/reconciliation",
    )  # fmt: skip
    assert done.status_code == 302
    web.submit("/finance/reconciliation/assert", {}, page="/finance/reconciliation")
    page = web.get("/finance/reconciliation").get_data(as_text=True)
    trail = page.split('data-testid="trail"')[1]
    assert "{" not in trail and "&#34;" not in trail  # no JSON
    assert f"对账异常 #{exception_id}" in trail and "<td>对账</td>" in trail
    assert '理由：<span lang="zh-Hans">活期利息</span>' in trail
    # Who did it: the two-person steps are worth nothing unattributed.
    assert f'data-testid="trail-by" translate="no">{escape(finance.name)}</td>' in trail
    assert "已匹配的流水：无" in trail and "已核对天数：1" in trail
    english = web.get("/finance/reconciliation", headers={"Accept-Language": "en"})
    trail = english.get_data(as_text=True).split('data-testid="trail"')[1]
    assert f"Exception #{exception_id}" in trail and "Lines matched: nothing" in trail
    assert "Days asserted: 1" in trail and "Days with a difference nothing explains: " in trail


def test_balances_are_asserted_from_the_console_and_a_day_shows_its_open_items(app, db):
    finance = factories.user(db, staff=(StaffRole.FINANCE,))
    _interest_statement(db)
    db.commit()
    web = _web(app, finance)
    before = web.get("/finance/reconciliation").get_data(as_text=True)
    assert "尚未核对任何余额" in before and 'data-testid="asserted-at"' not in before
    done = web.submit("/finance/reconciliation/assert", {}, page="/finance/reconciliation")
    assert done.status_code == 302
    page = web.get("/finance/reconciliation").get_data(as_text=True)
    assert "时的账簿和对账单为准" in page  # when the table was computed
    assert "差额由未达项解释" in page and "已核对 1 天" in page
    trail = page[page.rindex("<table>") :]
    assert "已断言余额" in trail and "assert_balances" not in trail and "<td>#</td>" not in trail
    with app.extensions["db"].unit_of_work() as session:
        assertion_id = session.scalar(sa.select(BalanceAssertion.id))
    day = web.get(f"/finance/reconciliation/assertions/{assertion_id}").get_data(as_text=True)
    assert "L9" in day and "结转 0 项，新增 1 项，清除 0 项，未达 1 项" in day
    assert web.get("/finance/reconciliation/assertions/999999").status_code == 404


@pytest.mark.parametrize(
    ("data", "field", "chinese"),
    [
        ({"cnaps_code": "12"}, "cnaps_code", "CNAPS 行号为 12 位数字。"),
        ({"swift_bic": "HSBC"}, "swift_bic", "SWIFT 代码为 8 或 11 位字母和数字。"),
        ({"account_number": "12"}, "account_number", "账号为 6 至 34 位字母和数字。"),
    ],
)
def test_payee_form_errors_are_in_chinese(app, db, data, field, chinese):
    first = factories.user(db, staff=(StaffRole.FINANCE,))
    provider = factories.organisation(db)
    db.commit()
    form = {"organisation_id": provider.id, "account_name": "深圳数据有限公司",
            "bank_name": "招商银行", "account_number": "755912345678901",
            "cnaps_code": "308584000013", **data}  # fmt: skip
    bad = _web(app, first).submit("/finance/payees", form, page="/finance/payees")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and f'id="{field}-error"' in html
    assert chinese in html


def test_the_payouts_page_names_the_currency_in_chinese(app, db):
    finance = factories.user(db, staff=(StaffRole.FINANCE,))
    db.commit()
    page = _web(app, finance).get("/finance/payouts").get_data(as_text=True)
    assert "(人民币)" in page and "(CNY)" not in page


def test_finance_staff_see_only_the_tools_they_can_use(app, db):
    finance = factories.user(db, staff=(StaffRole.FINANCE,))
    factories.organisation(db, finance, is_operator=True)
    also_provider = factories.user(db, staff=(StaffRole.FINANCE,))
    factories.organisation(db, also_provider)
    provider = factories.user(db)
    factories.organisation(db, provider)
    db.commit()
    with app.test_request_context():
        orders, ledger_page = url_for("trading.order_list"), url_for("finance.accounts")
        listings = url_for("listings.provider_listings")
    staff_page = _web(app, finance).get("/finance/payees").get_data(as_text=True)
    assert f'href="{ledger_page}"' in staff_page
    assert f'href="{orders}"' not in staff_page and f'href="{listings}"' not in staff_page
    # A finance user who is also a provider's member, and a plain member, keep their own tools.
    for user in (also_provider, provider):
        home = _web(app, user).get("/").get_data(as_text=True)
        assert f'href="{orders}"' in home and f'href="{listings}"' in home


# Forms that move money, lock a period or settle an item for good: their button asks first
# (``data-confirm``, answered by ``static/site.js``; no inline script under the CSP).
DESTRUCTIVE = {
    "payees.html": ["decide_payee"],
    "payouts.html": ["move_batch", "payout_paid", "payout_returned", "refund_sent"],
    "periods.html": ["finance.close_period"],
    "receipts.html": ["return_held_receipt"],
    "reconciliation.html": ["how='mark'", "decide_correction"],
    "imports.html": ["book_opening_balance"],
}


@pytest.mark.parametrize("template", sorted(DESTRUCTIVE))
def test_destructive_finance_buttons_ask_first(template):
    source = (ROOT / "templates" / "finance" / template).read_text()
    forms = re.findall(r"<form\b.*?</form>", source, flags=re.S)
    for marker in DESTRUCTIVE[template]:
        found = [form for form in forms if marker in form.split(">", 1)[0]]
        assert found, marker
        for form in found:
            buttons = re.findall(r"<button\b[^>]*>", form)
            assert buttons and all("data-confirm=" in button for button in buttons), form


def test_an_unexplained_balance_is_shown_by_name_with_money_in_both_languages(app, db):
    finance = factories.user(db, staff=(StaffRole.FINANCE,))
    # An opening balance the books never heard of: a difference nothing explains.
    _interest_statement(db, opening=1_000_000)
    db.commit()
    web = _web(app, finance)
    web.submit("/finance/reconciliation/assert", {}, page="/finance/reconciliation")
    chinese = web.get("/finance/reconciliation").get_data(as_text=True)
    queue = chinese[chinese.index('data-testid="exceptions"') :]
    assert "余额不符" in queue and "balance_difference" not in queue
    assert "未解释 ¥10,000.00" in page_text(queue) and "1000000" not in queue
    english = web.get("/finance/reconciliation", headers={"Accept-Language": "en"})
    queue = english.get_data(as_text=True)
    queue = queue[queue.index('data-testid="exceptions"') :]
    assert "Balance differs" in queue and "not explained CN¥10,000.00" in page_text(queue)
    assert "statement CN¥10,005.00" in page_text(queue)


def _bank_charge_exception(app, db):
    account = bank.create_account(
        db, {"name": "工行", "bank_name": "工行", "account_number": "400002100920",
             "currency": "CNY", "csv_layout": "icbc"},
    )  # fmt: skip
    rows = [BankRow(today(), -3_500, "L35", "", "", "跨行转账手续费")]
    bank.import_statement(db, account.id, icbc_csv(rows, 100_000), "csv", None, utcnow())
    matching.run(db, utcnow())
    exception_id = db.scalar(sa.select(ReconException.id))
    db.commit()
    return exception_id


def test_a_correction_is_proposed_on_the_page_and_approved_by_another_user(app, db):
    maker = factories.user(db, staff=(StaffRole.FINANCE,))
    checker = factories.user(db, staff=(StaffRole.FINANCE,))
    exception_id = _bank_charge_exception(app, db)
    page = "/finance/reconciliation"
    form = {"exception_id": exception_id, "debit_account": "expenses:bank_charges",
            "credit_account": "assets:bank", "amount": "35.00", "currency": "CNY",
            "reason": "跨行转账手续费"}  # fmt: skip
    bad = _web(app, maker).submit(f"{page}/corrections", {**form, "debit_account": "nowhere"},
                                  page=page)  # fmt: skip
    assert bad.status_code == 422 and 'id="debit_account-error"' in bad.get_data(as_text=True)
    done = _web(app, maker).submit(f"{page}/corrections", form, page=page)
    assert done.status_code == 302, done.get_data(as_text=True)
    with app.extensions["db"].unit_of_work() as session:
        correction = session.scalar(sa.select(Correction))
        assert correction.legs[0]["amount_minor"] == 3_500
        correction_id = correction.id
    approved = _web(app, checker).submit(
        f"{page}/corrections/{correction_id}/approve", {}, page=page
    )
    assert approved.status_code == 302
    with app.extensions["db"].unit_of_work() as session:
        assert session.get(ReconException, exception_id).status == "resolved"


def test_a_candidate_is_chosen_from_the_list_with_its_amount_day_and_reference(app, db):
    finance = factories.user(db, staff=(StaffRole.FINANCE,))
    account = bank.create_account(
        db, {"name": "工行", "bank_name": "工行", "account_number": "400002100920",
             "currency": "CNY", "csv_layout": "icbc"},
    )  # fmt: skip
    stripe_import.import_csv(db, stripe_csv([stripe_row(
        "txn_po", "payout", -48_250, 0, source_id="po_late",
        created=(today() - timedelta(days=8)).isoformat() + " 02:00:00")]))  # fmt: skip
    rows = [BankRow(today(), 48_250, "L1", "STRIPE", "", "STRIPE")]
    bank.import_statement(db, account.id, icbc_csv(rows, 0), "csv", None, utcnow())
    matching.run(db, utcnow())
    exception_id = db.scalar(
        sa.select(ReconException.id).where(ReconException.bank_line_id.is_not(None))
    )
    payout_id = db.scalar(sa.select(StripeBalanceTransaction.id))
    db.commit()
    web = _web(app, finance)
    page = web.get("/finance/reconciliation").get_data(as_text=True)
    assert f'value="stripe_payout:{payout_id}"' in page and "po_late" in page
    done = web.submit(
        f"/finance/reconciliation/{exception_id}/match",
        {"candidate": f"stripe_payout:{payout_id}", "kind": "payment", "target_id": "",
         "note": ""},
        page="/finance/reconciliation",
    )  # fmt: skip
    assert done.status_code == 302, done.get_data(as_text=True)
    with app.extensions["db"].unit_of_work() as session:
        assert session.get(ReconException, exception_id).resolution == "matched_by_hand"


def test_the_provider_statement_picks_the_organisation_by_name(app, db):
    finance = factories.user(db, staff=(StaffRole.FINANCE,))
    provider = factories.organisation(db)
    db.commit()
    page = _web(app, finance).get("/finance/reports").get_data(as_text=True)
    picker = page[page.index('id="statement-org"') :].split("</select>", 1)[0]
    assert (
        f'<option value="{provider.id}" lang="zh-Hans">{provider.display_name("zh")}</option>'
        in picker
    )


def test_a_match_by_hand_shows_the_difference_and_asks_before_keeping_it(app, db, trade):
    from tests.listings.factories import PRICE

    finance = factories.user(db, staff=(StaffRole.FINANCE,))
    placed = trade.transfer("TYPED-WRONG", PRICE)
    payment_id, reference = placed.payments[0].id, placed.reference
    account = bank.create_account(
        db, {"name": "工行", "bank_name": "工行", "account_number": "400002100920",
             "currency": "CNY", "csv_layout": "icbc"},
    )  # fmt: skip
    rows = [BankRow(today(), PRICE - 100, "L1", "买方", "", "货款")]
    bank.import_statement(db, account.id, icbc_csv(rows, 0), "csv", None, utcnow())
    matching.run(db, utcnow())
    exception_id = db.scalar(sa.select(ReconException.id))
    db.commit()
    web = _web(app, finance)
    page = web.get("/finance/reconciliation").get_data(as_text=True)
    assert "差额 -¥1.00" in page_text(page)  # beside the candidate, before anything is matched
    form = {"candidate": f"payment:{payment_id}", "kind": "payment", "target_id": "", "note": ""}
    asked = web.submit(
        f"/finance/reconciliation/{exception_id}/match", form, page="/finance/reconciliation"
    )
    html = asked.get_data(as_text=True)
    assert asked.status_code == 422
    assert f'id="accept-{exception_id}-error"' in html and "-¥1.00" in html
    with app.extensions["db"].unit_of_work() as session:
        assert session.get(ReconException, exception_id).kind == "unmatched"
    done = web.submit(
        f"/finance/reconciliation/{exception_id}/match", {**form, "accept_difference": "1"},
        page="/finance/reconciliation",
    )  # fmt: skip
    assert done.status_code == 302, done.get_data(as_text=True)
    queue = web.get("/finance/reconciliation").get_data(as_text=True)
    assert "手工匹配，差额未说明" in queue and "待说明的差额：-¥1.00" in page_text(queue)
    flashed = re.findall(r'data-testid="flash">([^<]*)', queue)
    assert flashed == ["已匹配；在差额得到说明（更正分录或说明理由）之前，该差异项仍留在队列中。"]
    trail = queue[queue.index('data-testid="trail"') :]
    assert f"#{payment_id} · {reference} · ¥4,800.00" in page_text(trail)  # not a bare number
    with app.extensions["db"].unit_of_work() as session:
        assert session.get(ReconException, exception_id).status == "open"


def test_an_exception_is_described_in_the_reader_s_language(app, db):
    finance = factories.user(db, staff=(StaffRole.FINANCE,))
    stripe_import.import_csv(db, stripe_csv([stripe_row(
        "txn_c9", "charge", 10_000, 0, source_id="ch_1St3Test0001")]))  # fmt: skip
    matching.run(db, utcnow())
    db.commit()
    page = _web(app, finance).get("/finance/reconciliation").get_data(as_text=True)
    assert "is not in the books" not in page
    assert "Stripe 报告的银行卡收款 ch_1St3Test0001 不在账簿中。" in page


def test_one_word_for_a_correcting_entry_and_one_for_a_stripe_payout(app, db):
    from market.finance.pages.trail import RULE_LABELS

    finance = factories.user(db, staff=(StaffRole.FINANCE,))
    db.commit()
    page = _web(app, finance).get("/finance/reconciliation").get_data(as_text=True)
    assert "待审批的更正分录" in page and "调整分录" not in page
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        from flask_babel import gettext

        assert "Stripe 派付" in gettext(RULE_LABELS["stripe_payout"])
        assert "转账" not in gettext(RULE_LABELS["amount_window"])


def test_a_refused_correction_names_every_mistake_at_once(app, db):
    finance = factories.user(db, staff=(StaffRole.FINANCE,))
    db.commit()
    web = _web(app, finance)
    form = {"exception_id": "", "debit_account": "expenses:bank_charges",
            "credit_account": "nosuch:acct", "amount": "-5", "reason": ""}  # fmt: skip
    refused = web.submit(
        "/finance/reconciliation/corrections", form, page="/finance/reconciliation"
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    for field in ("credit_account", "correction-amount", "correction-reason"):
        assert f'id="{field}-error"' in html, field
    assert 'id="debit_account-error"' not in html


def test_a_receipt_matched_by_a_rule_is_refused_for_another_line_naming_that_line(app, db, trade):
    from tests.listings.factories import PRICE

    finance = factories.user(db, staff=(StaffRole.FINANCE,))
    payment_id = trade.transfer("RULE-1", PRICE).payments[0].id
    account = bank.create_account(
        db, {"name": "工行", "bank_name": "工行", "account_number": "400002100920",
             "currency": "CNY", "csv_layout": "icbc"},
    )  # fmt: skip
    rows = [BankRow(today(), PRICE, "RULE-1", "买方", "", "货款"),
            BankRow(today(), PRICE - 100, "X2", "", "", "不明来款")]  # fmt: skip
    bank.import_statement(db, account.id, icbc_csv(rows, 0), "csv", None, utcnow())
    matching.run(db, utcnow())
    exception_id = db.scalar(sa.select(ReconException.id))
    db.commit()
    web = _web(app, finance)
    page = web.get("/finance/reconciliation").get_data(as_text=True)
    assert f'value="payment:{payment_id}"' not in page
    refused = web.submit(
        f"/finance/reconciliation/{exception_id}/match",
        {"kind": "payment", "target_id": str(payment_id), "note": "", "accept_difference": "1"},
        page="/finance/reconciliation",
    )  # fmt: skip
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert f'id="target-{exception_id}-error"' in html
    assert f"已匹配到 {today().isoformat()} 的流水 RULE-1（¥4,800.00）" in html
    with app.extensions["db"].unit_of_work() as session:
        assert session.get(ReconException, exception_id).kind == "unmatched"


def test_every_rule_the_matcher_counts_has_words_in_the_trail():
    from market.finance.pages.trail import RULE_LABELS

    source = (ROOT / "market/finance/matching.py").read_text()
    rules = set(re.findall(r'_bank_match\(\s*pending, line, "([a-z_]+)"', source))
    rules |= set(re.findall(r'"rule": "([a-z_]+)"', source))
    assert "refund_reference" in rules and rules <= set(RULE_LABELS), rules - set(RULE_LABELS)


def test_an_exception_s_number_is_labelled_for_the_stacked_cards_of_a_phone(app, db):
    finance = factories.user(db, staff=(StaffRole.FINANCE,))
    exception_id = _interest_exception(db)
    web = _web(app, finance)
    # The head "#" would become the card label "#: 1" on a phone (site.js copies a head's text).
    for language, label in (("zh", "差异项编号"), ("en", "Exception no.")):
        page = web.get("/finance/reconciliation", headers={"Accept-Language": language})
        cell = f'<td data-label="{label}">{exception_id}</td>'
        assert cell in page.get_data(as_text=True), language
    imports = web.get("/finance/imports", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<td data-label="Statement no.">' in imports
