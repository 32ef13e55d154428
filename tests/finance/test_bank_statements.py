"""Bank statements in: Chinese banks' CSV exports (GBK detected), MT940 and camt.053, with
balances checked, re-imports changing nothing, and bad files refused with the line named."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

import ledger
from market.db import utcnow
from market.errors import InvalidInput
from market.finance import assertions, bank
from market.finance.models import AssertionStatus, BalanceAssertion, BankLine, BankStatement
from tests.finance.generated import BankRow, camt053, cmb_csv, icbc_csv, mt940

D = date(2026, 11, 2)
ROWS = [
    BankRow(D, 480_000, "ICBC0001", "深圳甲数据有限公司", "6222020000001", "货款 SJ0000000142"),
    BankRow(D, -120_000, "ICBC0002", "乙科技有限公司", "6222020000002", "付款 SJ-PAYOUT-3"),
    BankRow(date(2026, 11, 3), 993_870, "ICBC0003", "STRIPE PAYMENTS", "", "po_1Abc"),
]
OPENING = 1_000_000


@pytest.fixture
def account(db):
    """The exchange's ICBC account, read with the ready ICBC layout."""
    created = bank.create_account(
        db,
        {
            "name": "工行基本户",
            "bank_name": "中国工商银行",
            "account_number": "4000021009200000001",
            "currency": "CNY",
            "csv_layout": "icbc",
        },
    )
    db.commit()
    return created


def load(db, account, data, kind="csv", **options):
    """Import a file and commit."""
    result = bank.import_statement(db, account.id, data, kind, None, utcnow(), **options)
    db.commit()
    return result


def refused(db, account, data, kind="csv", **options) -> InvalidInput:
    """Import a file that must be refused; nothing is kept."""
    with pytest.raises(InvalidInput) as caught:
        bank.import_statement(db, account.id, data, kind, None, utcnow(), **options)
    db.rollback()
    return caught.value


def lines(db):
    return db.scalars(sa.select(BankLine).order_by(BankLine.id)).all()


def test_a_gbk_icbc_export_is_detected_and_read(db, account):
    result = load(db, account, icbc_csv(ROWS, OPENING, account="4000 0210 0920 0000 001"))
    statement = result.statement
    assert (result.created, result.new_lines) == (True, 3)
    assert statement.encoding == "gb18030"
    assert (statement.opening_minor, statement.closing_minor) == (OPENING, OPENING + 1_353_870)
    assert (statement.period_start, statement.period_end) == (D, date(2026, 11, 3))
    first, second, third = lines(db)
    assert (first.amount_minor, first.counterparty_name, first.remark) == (
        480_000, "深圳甲数据有限公司", "货款 SJ0000000142",
    )  # fmt: skip
    assert second.amount_minor == -120_000 and third.bank_reference == "ICBC0003"
    assert {line.state for line in (first, second, third)} == {"unreconciled"}


def test_the_same_file_again_changes_nothing(db, account):
    data = icbc_csv(ROWS, OPENING)
    first = load(db, account, data)
    again = load(db, account, data)
    assert (again.created, again.statement.id) == (False, first.statement.id)
    assert len(lines(db)) == 3


def test_an_overlapping_statement_keeps_each_line_once(db, account):
    load(db, account, icbc_csv(ROWS[:2], OPENING))
    # The next export repeats the last line: it is known by its reference, and the balance
    # before the first new line is what continues the last statement.
    result = load(db, account, icbc_csv(ROWS[1:], OPENING + 480_000, title=False))
    assert (result.created, result.new_lines, result.known_lines) == (True, 1, 1)
    assert [line.bank_reference for line in lines(db)] == ["ICBC0001", "ICBC0002", "ICBC0003"]
    assert result.statement.closing_minor == OPENING + 1_353_870


def test_an_overlap_that_does_not_continue_is_refused(db, account):
    load(db, account, icbc_csv(ROWS[:2], OPENING))
    # The known line is there, but the balance before the new one is not the last closing.
    error = refused(db, account, icbc_csv(ROWS[1:], OPENING + 480_001, title=False))
    assert error.field == "opening_balance"
    assert (error.details["expected"], error.details["found"]) == (
        OPENING + 360_000,
        OPENING + 360_001,
    )


def test_a_known_line_after_a_new_one_is_refused(db, account):
    load(db, account, icbc_csv(ROWS[:1], OPENING))
    rows = [ROWS[1], ROWS[0]]
    error = refused(db, account, icbc_csv(rows, OPENING + 480_000, title=False))
    assert error.field == "lines[3]" and error.details["first_new_line"] == 2


def test_a_re_export_of_known_lines_only_changes_nothing(db, account):
    first = load(db, account, icbc_csv(ROWS, OPENING))
    again = load(db, account, icbc_csv(ROWS[:2], OPENING, title=False))
    assert (again.created, again.new_lines, again.known_lines) == (False, 0, 2)
    assert again.statement.id == first.statement.id
    assert db.scalar(sa.select(sa.func.count()).select_from(BankStatement)) == 1


def test_an_overlap_with_a_closed_period_keeps_the_known_lines(db, account):
    october = BankRow(date(2026, 10, 31), 100, "OCT1", "", "", "")
    load(db, account, icbc_csv([october], OPENING))
    ledger.create_period(
        db, "2026-10", datetime(2026, 9, 30, 16, tzinfo=UTC), datetime(2026, 10, 31, 16, tzinfo=UTC)
    )
    ledger.request_close(db, "2026-10", requested_by="finance a")
    ledger.close_period(db, "2026-10", closed_by="finance b")
    db.commit()
    result = load(db, account, icbc_csv([october, ROWS[0]], OPENING, title=False))
    assert (result.new_lines, result.known_lines) == (1, 1)


def test_cmb_layout_and_value_dates(db):
    account = bank.create_account(
        db,
        {
            "name": "招行一般户",
            "bank_name": "招商银行",
            "account_number": "755900000001",
            "currency": "CNY",
            "csv_layout": "cmb",
        },
    )
    load(db, account, cmb_csv(ROWS, OPENING))
    assert [line.value_date for line in lines(db)] == [D, D, date(2026, 11, 3)]


def test_a_saved_column_mapping_reads_another_layout(db):
    account = bank.create_account(
        db,
        {
            "name": "自定义",
            "bank_name": "某银行",
            "account_number": "1234567890",
            "currency": "CNY",
            "csv_mapping": {"value_date": "日期", "amount": "金额", "reference": "编号"},
        },
    )
    data = "日期,金额,编号\n2026/11/02,100.50,A1\n2026/11/02,-0.50,A2\n".encode()
    result = load(db, account, data, opening=10_000)
    assert result.statement.closing_minor == 20_000
    assert [line.amount_minor for line in lines(db)] == [10_050, -50]


def test_mt940(db, account):
    result = load(db, account, mt940(ROWS, OPENING), "mt940")
    assert result.statement.closing_minor == OPENING + 1_353_870
    assert [(x.bank_reference, x.amount_minor) for x in lines(db)] == [
        ("ICBC0001", 480_000), ("ICBC0002", -120_000), ("ICBC0003", 993_870),
    ]  # fmt: skip


def test_camt053(db, account):
    result = load(db, account, camt053(ROWS, OPENING), "camt053")
    assert result.statement.opening_minor == OPENING
    first = lines(db)[0]
    assert (first.counterparty_name, first.remark) == ("深圳甲数据有限公司", "货款 SJ0000000142")
    assert lines(db)[1].counterparty_account == "6222020000002"


BAD = {
    "missing column": (
        "交易日期,摘要,借方发生额,余额,交易流水号\n2026-11-02,x,1.00,1.00,A\n".encode("gbk"),
        "file",
    ),
    "extra cell": (icbc_csv(ROWS, OPENING, "utf-8").replace(b"ICBC0002", b"ICBC0002,extra"), "lines[5]"),
    "bad date": (icbc_csv(ROWS, OPENING, "utf-8").replace(b"2026-11-03", b"2026-13-03"), "lines[6]"),
    "bad amount": (icbc_csv(ROWS, OPENING, "utf-8").replace(b"4800.00", b"48O0.00"), "lines[4]"),
    "fractional fen": (icbc_csv(ROWS, OPENING, "utf-8").replace(b"4800.00", b"4800.001"), "lines[4]"),
    "running balance off": (
        icbc_csv(ROWS, OPENING, "utf-8").replace(b"13600.00", b"13600.01"),
        "lines[5].余额",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_file_names_the_line_and_keeps_nothing(db, account, case):
    data, where = BAD[case]
    error = refused(db, account, data)
    assert error.field.startswith(where), (error.field, error.message)
    assert db.scalar(sa.select(sa.func.count()).select_from(BankStatement)) == 0


def test_the_wrong_encoding_chosen_is_refused(db, account):
    error = refused(db, account, icbc_csv(ROWS, OPENING), encoding="utf-8")
    assert error.field.startswith("lines[")


def test_an_opening_balance_that_does_not_continue_is_refused(db, account):
    load(db, account, icbc_csv(ROWS[:1], OPENING))
    error = refused(db, account, icbc_csv(ROWS[1:], OPENING))
    assert error.field == "opening_balance" and error.details["expected"] == OPENING + 480_000


def test_a_statement_in_a_closed_period_is_refused(db, account):
    ledger.create_period(
        db, "2026-10", datetime(2026, 9, 30, 16, tzinfo=UTC), datetime(2026, 10, 31, 16, tzinfo=UTC)
    )
    ledger.request_close(db, "2026-10", requested_by="finance a")
    ledger.close_period(db, "2026-10", closed_by="finance b")
    db.commit()
    october = [BankRow(date(2026, 10, 31), 100, "OCT1", "", "", "")]
    error = refused(db, account, icbc_csv(october, OPENING))
    assert error.field == "lines[4]"


def test_an_xml_bomb_is_refused(db, account):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Document>&b;</Document>'
    )
    assert refused(db, account, bomb, "camt053").field == "file"


@pytest.mark.parametrize("kind", ["mt940", "camt053"])
def test_a_statement_for_another_account_is_refused(db, account, kind):
    make = {"mt940": mt940, "camt053": camt053}[kind]
    error = refused(db, account, make(ROWS, OPENING, account="6222999988887777"), kind)
    assert error.field == "file"
    # The bank's code before the number (MT940's :25:) and spacing do not matter.
    assert load(db, account, make(ROWS, OPENING, account="ICBK 4000 0210 0920 0000 001"), kind)


def test_a_csv_whose_title_states_another_account_is_refused(db):
    cmb = bank.create_account(
        db,
        {"name": "招行", "bank_name": "招商银行", "account_number": "755900000001",
         "currency": "CNY", "csv_layout": "cmb"},
    )  # fmt: skip
    db.commit()
    error = refused(db, cmb, cmb_csv(ROWS, OPENING, account="6222999988887777"))
    assert error.field == "file"
    assert load(db, cmb, cmb_csv(ROWS, OPENING, account="7559 0000 0001"))


def test_an_icbc_title_for_another_account_is_refused(db, account):
    assert refused(db, account, icbc_csv(ROWS, OPENING, account="6222999988887777")).field == (
        "file"
    )


def test_mt940_that_is_not_mt940_is_refused(db, account):
    assert refused(db, account, b"hello", "mt940").field == "file"


def test_the_opening_balance_is_booked_once_and_the_first_day_agrees(db, account, finance):
    interest = [BankRow(date(2026, 11, 2), 500, "ICBC9", "", "", "利息")]
    load(db, account, icbc_csv(interest, OPENING))
    assertions.compute(db, utcnow())
    db.commit()
    assert {row.status for row in assertions_of(db)} == {AssertionStatus.DIFFERS}
    db.commit()  # SQLite: the test's session must not hold the writer lock during requests
    booked = finance.call("POST", f"/finance/bank-accounts/{account.id}/opening-balance")
    assert booked.status_code == 201, booked.get_json()
    assert booked.get_json()["amount_minor"] == OPENING
    again = finance.call("POST", f"/finance/bank-accounts/{account.id}/opening-balance")
    assert again.get_json()["key"] == booked.get_json()["key"] == f"bank_opening:{account.id}"
    db.rollback()
    assert ledger.balance(db, "equity:opening_balances", "CNY").posted == OPENING
    assertions.compute(db, utcnow())
    db.commit()
    # What is left is the interest line nothing matches: explained, not a difference.
    assert {row.status for row in assertions_of(db)} == {AssertionStatus.EXPLAINED}


def test_an_opening_balance_before_any_statement_is_refused(db, account, finance):
    refused = finance.call("POST", f"/finance/bank-accounts/{account.id}/opening-balance")
    assert refused.status_code == 409 and "bank_account_id" in refused.get_json()["errors"]


def assertions_of(db):
    return db.scalars(sa.select(BalanceAssertion)).all()


def test_a_line_in_a_closed_period_is_refused_for_the_period_before_the_balance(db, account):
    load(db, account, icbc_csv(ROWS[:1], OPENING))
    ledger.create_period(
        db, "2026-10", datetime(2026, 9, 30, 16, tzinfo=UTC), datetime(2026, 10, 31, 16, tzinfo=UTC)
    )
    ledger.request_close(db, "2026-10", requested_by="finance a")
    ledger.close_period(db, "2026-10", closed_by="finance b")
    db.commit()
    october = [BankRow(date(2026, 10, 10), 100, "OCT1", "", "", "")]
    error = refused(db, account, icbc_csv(october, OPENING + 999))  # nor does it continue
    assert error.field == "lines[4]" and "closed accounting period" in error.message


def test_a_missing_column_is_named(db, account):
    data = icbc_csv(ROWS[:1], OPENING).decode("gbk").replace("借方发生额", "借方")
    error = refused(db, account, data.encode("gbk"))
    assert error.field == "file" and error.details["missing"] == ["借方发生额"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_utf16_export_with_its_byte_order_mark_is_read(app, account, finance, encoding):
    import io

    text = icbc_csv(ROWS, OPENING).decode("gbk")
    data = ("\ufeff" if encoding == "utf-16-be" else "").encode(encoding) + text.encode(encoding)
    assert data[:2] in (b"\xff\xfe", b"\xfe\xff")
    answer = finance.call(
        "POST", f"/finance/bank-accounts/{account.id}/statements",
        data={"file": (io.BytesIO(data), "icbc.csv"), "format": "csv"},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["statement"]["encoding"] == "utf-16"
    assert answer.get_json()["new_lines"] == len(ROWS)
