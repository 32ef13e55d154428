"""The finance console does what the API does for imports: register the exchange's bank
account, upload a bank statement with the saved layout, upload Stripe's itemised report —
with a refused file named by its line and column on the page, in the reader's language."""

from __future__ import annotations

import io

import sqlalchemy as sa

from market.finance.models import BankAccount, BankLine, StripeBalanceTransaction
from market.identity.models import StaffRole
from tests import factories
from tests.finance.conftest import today
from tests.finance.generated import BankRow, icbc_csv, mt940, stripe_csv, stripe_row
from tests.web import WebClient, page_text

PAGE = "/finance/imports"
ACCOUNT = {"name": "工行基本户", "bank_name": "中国工商银行",
           "account_number": "4000021009200000001", "currency": "CNY",
           "ledger_account": "assets:bank", "csv_layout": "icbc", "encoding": ""}  # fmt: skip


def _finance(app, db) -> WebClient:
    user = factories.user(db, staff=(StaffRole.FINANCE,))
    db.commit()
    client = WebClient(app)
    client.log_in(user.email, factories.PASSWORD)
    return client


def _upload(data: bytes, name: str):
    return (io.BytesIO(data), name)


def test_a_bank_account_is_registered_and_its_statement_imported_from_the_page(app, db):
    web = _finance(app, db)
    added = web.submit(f"{PAGE}/bank-accounts", ACCOUNT, page=PAGE)
    assert added.status_code == 302, added.get_data(as_text=True)
    with app.extensions["db"].unit_of_work() as session:
        account_id = session.scalar(sa.select(BankAccount.id))
    rows = [BankRow(today(), 48_000, "ICBC1", "甲公司", "", "货款")]
    form = {"bank_account_id": account_id, "format": "csv", "layout": "", "encoding": "",
            "opening_balance": "", "file": _upload(icbc_csv(rows, 100_000), "icbc.csv")}  # fmt: skip
    done = web.submit(f"{PAGE}/statements", form, page=PAGE)
    assert done.status_code == 302, done.get_data(as_text=True)
    page = web.get(PAGE).get_data(as_text=True)
    assert "1 条新明细" in page and "¥1,480.00" in page
    with app.extensions["db"].unit_of_work() as session:
        assert session.scalar(sa.select(BankLine.bank_reference)) == "ICBC1"


def test_a_refused_statement_names_the_line_and_column_on_the_page(app, db):
    web = _finance(app, db)
    web.submit(f"{PAGE}/bank-accounts", ACCOUNT, page=PAGE)
    with app.extensions["db"].unit_of_work() as session:
        account_id = session.scalar(sa.select(BankAccount.id))
    bad = icbc_csv([BankRow(today(), 100, "ICBC1", "", "", "")], 0).replace(b"1.00", b"1e3")
    form = {"bank_account_id": account_id, "format": "csv", "file": _upload(bad, "bad.csv")}
    refused = web.submit(f"{PAGE}/statements", form, page=PAGE)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "第 4 行，贷方发生额 列：" in html
    assert "lines[" not in html
    duplicate = web.submit(f"{PAGE}/bank-accounts", ACCOUNT, page=PAGE)
    assert duplicate.status_code == 409 and 'id="account_number-error"' in duplicate.get_data(
        as_text=True
    )


def test_a_stripe_report_is_imported_from_the_page(app, db):
    web = _finance(app, db)
    report = stripe_csv([stripe_row("txn_1", "charge", 10_000, 350, source_id="ch_1")])
    done = web.submit(f"{PAGE}/stripe", {"file": _upload(report, "stripe.csv")}, page=PAGE)
    assert done.status_code == 302
    with app.extensions["db"].unit_of_work() as session:
        assert session.scalar(sa.select(StripeBalanceTransaction.stripe_id)) == "txn_1"
    missing = web.submit(f"{PAGE}/stripe", {}, page=PAGE)
    assert missing.status_code == 422 and 'id="file-error"' in missing.get_data(as_text=True)


def test_the_first_statements_opening_balance_is_booked_from_the_page(app, db):
    web = _finance(app, db)
    web.submit(f"{PAGE}/bank-accounts", ACCOUNT, page=PAGE)
    with app.extensions["db"].unit_of_work() as session:
        account_id = session.scalar(sa.select(BankAccount.id))
    rows = [BankRow(today(), 500, "ICBC1", "", "", "利息")]
    form = {"bank_account_id": account_id, "format": "csv",
            "file": _upload(icbc_csv(rows, 100_000_000), "icbc.csv")}  # fmt: skip
    web.submit(f"{PAGE}/statements", form, page=PAGE)
    assert "记入 ¥1,000,000.00" in page_text(web.get(PAGE).get_data(as_text=True))
    done = web.submit(f"{PAGE}/bank-accounts/{account_id}/opening-balance", {}, page=PAGE)
    assert done.status_code == 302
    page = web.get(PAGE).get_data(as_text=True)
    assert "已记账" in page and "记入 ¥1,000,000.00" not in page_text(page)


def test_a_statement_for_another_account_names_both_numbers(app, db):
    web = _finance(app, db)
    web.submit(f"{PAGE}/bank-accounts", ACCOUNT, page=PAGE)
    with app.extensions["db"].unit_of_work() as session:
        account_id = session.scalar(sa.select(BankAccount.id))
    rows = [BankRow(today(), 48_000, "M1", "甲公司", "", "货款")]
    other = mt940(rows, 0, account="6222999988887777")
    form = {"bank_account_id": account_id, "format": "mt940", "encoding": "",
            "file": _upload(other, "other.mt940")}  # fmt: skip
    refused = web.submit(f"{PAGE}/statements", form, page=PAGE)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "6222999988887777" in html and "4000021009200000001" in html


def test_auto_detection_is_not_overridden_by_the_account_s_saved_encoding(app, db):
    web = _finance(app, db)
    web.submit(f"{PAGE}/bank-accounts", {**ACCOUNT, "encoding": "gb18030"}, page=PAGE)
    with app.extensions["db"].unit_of_work() as session:
        account_id = session.scalar(sa.select(BankAccount.id))
    rows = [BankRow(today(), 48_000, "M1", "甲公司", "", "货款（人民币）")]
    form = {"bank_account_id": account_id, "format": "mt940", "encoding": "",
            "file": _upload(mt940(rows, 0), "utf8.mt940")}  # fmt: skip
    done = web.submit(f"{PAGE}/statements", form, page=PAGE)
    assert done.status_code == 302, done.get_data(as_text=True)
    with app.extensions["db"].unit_of_work() as session:
        assert "货款" in session.scalar(sa.select(BankLine.remark))


def test_a_ledger_code_with_a_hyphen_is_taken_and_a_bad_one_says_what_is_allowed(app, db):
    web = _finance(app, db)
    added = web.submit(
        f"{PAGE}/bank-accounts", {**ACCOUNT, "ledger_account": "assets:bank:cmb-st3"}, page=PAGE
    )
    assert added.status_code == 302, added.get_data(as_text=True)
    refused = web.submit(
        f"{PAGE}/bank-accounts",
        {**ACCOUNT, "account_number": "4000021009200000002", "ledger_account": "assets:bank:CMB 3"},
        page=PAGE,
    )  # fmt: skip
    assert refused.status_code == 422
    assert "小写字母、数字、_ 或 -" in refused.get_data(as_text=True)


MAPPING_FORM = {
    "csv_mapping.value_date": "日期", "csv_mapping.amount": "金额",
    "csv_mapping.reference": "流水号", "csv_mapping.remark": "用途",
    "csv_mapping.balance": "", "csv_mapping.debit": "",
}  # fmt: skip


def test_a_column_mapping_is_saved_from_the_page(app, db):
    web = _finance(app, db)
    page = web.get(PAGE).get_data(as_text=True)
    assert 'name="csv_mapping.value_date"' in page and 'name="csv_mapping.credit"' in page
    form = {**ACCOUNT, "csv_layout": "", "account_number": "1234567890", **MAPPING_FORM}
    added = web.submit(f"{PAGE}/bank-accounts", form, page=PAGE)
    assert added.status_code == 302, added.get_data(as_text=True)
    with app.extensions["db"].unit_of_work() as session:
        saved = session.scalar(sa.select(BankAccount))
        assert saved.csv_mapping == {"value_date": "日期", "amount": "金额",
                                     "reference": "流水号", "remark": "用途"}  # fmt: skip
    shown = web.get(PAGE).get_data(as_text=True)
    assert "已保存的列映射" in shown


def test_a_bad_column_mapping_is_named_on_the_page(app, db):
    web = _finance(app, db)
    both = {**MAPPING_FORM, "csv_mapping.debit": "借方", "csv_mapping.credit": "贷方"}
    form = {**ACCOUNT, "csv_layout": "", "account_number": "1234567890", **both}
    refused = web.submit(f"{PAGE}/bank-accounts", form, page=PAGE)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="csv_mapping.amount-error"' in html and 'value="借方"' in html
    long = {**ACCOUNT, "csv_layout": "", "account_number": "1234567890", **MAPPING_FORM,
            "csv_mapping.remark": "备" * 101}  # fmt: skip
    refused = web.submit(f"{PAGE}/bank-accounts", long, page=PAGE)
    assert refused.status_code == 422
    assert 'id="csv_mapping.remark-error"' in refused.get_data(as_text=True)
    with app.extensions["db"].unit_of_work() as session:
        assert session.scalar(sa.select(sa.func.count(BankAccount.id))) == 0


def test_a_refused_import_says_the_balances_and_the_missing_columns(app, db):
    web = _finance(app, db)
    web.submit(f"{PAGE}/bank-accounts", ACCOUNT, page=PAGE)
    with app.extensions["db"].unit_of_work() as session:
        account_id = session.scalar(sa.select(BankAccount.id))
    first = [BankRow(today(), 48_000, "ICBC1", "甲公司", "", "货款")]
    form = {"bank_account_id": account_id, "format": "csv",
            "file": _upload(icbc_csv(first, 100_000), "a.csv")}  # fmt: skip
    assert web.submit(f"{PAGE}/statements", form, page=PAGE).status_code == 302
    jump = [BankRow(today(), 1_000, "ICBC2", "乙公司", "", "货款")]
    form["file"] = _upload(icbc_csv(jump, 200_000_050), "b.csv")
    refused = web.submit(f"{PAGE}/statements", form, page=PAGE)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "¥1,480.00" in html and "¥2,000,000.50" in html, html
    missing = icbc_csv(jump, 148_000).decode("gbk").replace("对方户名", "户名").encode("gbk")
    form["file"] = _upload(missing, "c.csv")
    refused = web.submit(f"{PAGE}/statements", form, page=PAGE)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "对方户名" in html, html


def test_a_refusal_and_a_count_read_as_words_not_codes(app, db):
    web = _finance(app, db)
    first = stripe_csv([stripe_row("txn_st9_001", "charge", 10_000, 320, source_id="ch_9")])
    english = {"Accept-Language": "en"}
    done = web.submit(f"{PAGE}/stripe", {"file": _upload(first, "s.csv")}, page=PAGE,
                      headers=english)  # fmt: skip
    assert done.status_code == 302
    flashed = web.get(PAGE, headers=english).get_data(as_text=True)
    assert "1 new line," in flashed and "1 new lines" not in flashed
    changed = stripe_csv([stripe_row("txn_st9_001", "charge", 10_100, 320, source_id="ch_9")])
    refused = web.submit(f"{PAGE}/stripe", {"file": _upload(changed, "s.csv")}, page=PAGE)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "明细 txn_st9_001：" in html, html[:3000]
    assert "(lines." not in html


def test_a_currency_that_is_no_code_says_what_a_code_is(app, db):
    web = _finance(app, db)
    refused = web.submit(f"{PAGE}/bank-accounts", {**ACCOUNT, "currency": "RMB"}, page=PAGE)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="currency-error"' in html
    assert "请从列表中选择" not in html and "CNY" in html[html.index('id="currency-error"') :]


def test_the_stripe_report_type_is_named_as_such_not_left_dangling(app, db):
    web = _finance(app, db)
    for language, label in (("zh", "Stripe 报表类型："), ("en", "Report type in Stripe: ")):
        page = web.get(PAGE, headers={"Accept-Language": language}).get_data(as_text=True)
        assert f"{label}<code>balance_change_from_activity.itemized</code>" in page, language
