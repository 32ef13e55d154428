"""Hostile statement and Stripe report contents: every amount read by one strict parser, dates a
statement may report, each bank reference once per file, text cells without control characters,
and daily assertions over a bounded range — each refused with the line and column named, or kept
correctly; nothing half-imported."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from market.db import utcnow
from market.errors import InvalidInput
from market.finance import assertions, bank, inputs, stripe_import
from market.finance.models import BalanceAssertion, BankLine, BankStatement
from tests.finance.generated import BankRow, mt940, stripe_csv, stripe_row

HEADER = "交易日期,摘要,借方发生额,贷方发生额,余额,对方户名,对方账号,交易流水号\n"


@pytest.fixture
def account(db):
    created = bank.create_account(
        db,
        {"name": "工行基本户", "bank_name": "中国工商银行",
         "account_number": "4000021009200000001", "currency": "CNY", "csv_layout": "icbc"},
    )  # fmt: skip
    db.commit()
    return created


def icbc(*rows: str) -> bytes:
    """An ICBC export from raw rows (UTF-8)."""
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


def refused(db, account, data, kind="csv", **options) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        bank.import_statement(db, account.id, data, kind, None, utcnow(), **options)
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(BankStatement)) == 0
    return caught.value


CELLS = {
    "exponent": ("", "1e5", "100.00"),
    "misplaced separators": ("", "1,0,0.00", "100.00"),
    "currency symbol": ("", "¥1.00", "1.00"),
    "signed credit column": ("", "-5.00", "-5.00"),
    "signed debit column": ("+5.00", "", "-5.00"),
    "not a number": ("", "NaN", "0.00"),
    "infinity": ("", "Infinity", "0.00"),
    "beyond the ledger": ("", "100000000000000000000.00", "100000000000000000110.00"),
    "beyond int64 in the balance": ("", "1.00", "100000000000000000000.00"),
}


@pytest.mark.parametrize("case", sorted(CELLS))
def test_an_amount_in_odd_notation_is_refused_naming_line_and_column(db, account, case):
    debit, credit, balance = CELLS[case]
    error = refused(db, account, icbc(f'2026-11-02,a,"{debit}","{credit}","{balance}",b,c,R1'))
    column = "余额" if case.endswith("balance") else "借方发生额" if debit else "贷方发生额"
    assert error.field == f"lines[2].{column}", (error.field, error.message)


def test_thousands_grouped_in_threes_are_read(db, account):
    bank.import_statement(
        db, account.id, icbc("2026-11-02,a,,\"1,234,567.80\",\"1,234,567.80\",b,c,R1"), "csv",
        None, utcnow(),
    )  # fmt: skip
    db.commit()
    assert db.scalar(sa.select(BankLine.amount_minor)) == 123_456_780


def test_the_parser_refuses_what_is_not_a_plain_decimal():
    for text in ("1e5", "1E+2", "0x10", "1_000", " . ", "1.2.3", "--1", "１００", "nan", "-inf"):
        with pytest.raises(InvalidInput):
            inputs.amount(text, 2, "x", grouped=True)
    assert inputs.amount("-0.50", 2, "x") == -50
    assert inputs.amount("1000000000000.00", 2, "x") == 10**14
    with pytest.raises(InvalidInput):
        inputs.amount("10000000000000.01", 2, "x")


@pytest.mark.parametrize("day", ["2099-11-04", "1900-01-01"])
def test_a_line_dated_far_away_is_refused(db, account, day):
    error = refused(db, account, icbc(f"{day},a,,1.00,1.00,b,c,R1"))
    assert error.field == "lines[2].交易日期"


def test_an_mt940_line_in_the_future_is_refused(db, account):
    far = [BankRow(date(2099, 11, 4), 100, "F1")]
    assert refused(db, account, mt940(far, 0), "mt940").field == "lines[1].date"


def test_tomorrow_is_still_a_statement_date(db, account):
    tomorrow = inputs.today() + timedelta(days=1)
    bank.import_statement(
        db, account.id, icbc(f"{tomorrow},a,,1.00,1.00,b,c,R1"), "csv", None, utcnow()
    )
    db.commit()
    assert db.scalar(sa.select(BankLine.value_date)) == tomorrow


def test_the_same_bank_reference_twice_in_a_file_is_refused(db, account):
    # Two identical ¥1.00 lines: the balances count both, so keeping one would lose a yuan.
    error = refused(
        db, account,
        icbc("2026-11-02,a,,1.00,1.00,b,c,R1", "2026-11-02,a,,1.00,2.00,b,c,R1"),
    )  # fmt: skip
    assert error.field == "lines[3]" and error.details["first_line"] == 2


def test_identical_lines_without_a_reference_count_twice(db, account):
    rows = [BankRow(date(2026, 11, 2), 100, "NONREF"), BankRow(date(2026, 11, 2), 100, "NONREF")]
    data = mt940(rows, 0).replace(b"//NONREF", b"")
    result = bank.import_statement(db, account.id, data, "mt940", None, utcnow())
    db.commit()
    assert result.new_lines == 2
    assert sum(db.scalars(sa.select(BankLine.amount_minor))) == result.statement.closing_minor


def test_control_characters_in_cells_are_not_kept(db, account):
    data = icbc('2026-11-02,"货款\x07\tSJ\u202e1",,1.00,1.00,"甲\r\n乙",c,R\x071')
    bank.import_statement(db, account.id, data, "csv", None, utcnow())
    db.commit()
    line = db.scalar(sa.select(BankLine))
    assert (line.remark, line.counterparty_name, line.bank_reference) == (
        "货款 SJ 1",
        "甲 乙",
        "R 1",
    )


def test_a_mapping_names_its_unknown_key_and_takes_one_kind_of_amount(db):
    base = {"name": "自定义", "bank_name": "某银行", "account_number": "1234567890",
            "currency": "CNY"}  # fmt: skip
    with pytest.raises(InvalidInput) as caught:
        bank.create_account(
            db, {**base, "csv_mapping": {"value_date": "日期", "amount": "金额",
                                         "reference": "编号", "memo": "备注"}},
        )  # fmt: skip
    assert caught.value.field == "csv_mapping.memo"
    with pytest.raises(InvalidInput) as caught:
        bank.create_account(
            db, {**base, "csv_mapping": {"value_date": "日期", "amount": "金额", "debit": "借",
                                         "credit": "贷", "reference": "编号"}},
        )  # fmt: skip
    assert caught.value.field == "csv_mapping.amount"


STRIPE_BAD = {
    "exponent gross": ({"gross": "1e5", "net": "1e5"}, "gross"),
    "misplaced separators": ({"gross": "1,0,0.00", "net": "100.00"}, "gross"),
    "beyond the ledger": (
        {"gross": "100000000000000000000.00", "fee": "0.00",
         "net": "100000000000000000000.00"}, "gross",
    ),
    "negative fee on a charge": ({"gross": "10.00", "fee": "-1.00", "net": "11.00"}, "fee"),
    "refund bringing money in": (
        {"reporting_category": "refund", "gross": "10.00", "fee": "0.00", "net": "10.00"},
        "gross",
    ),
    "created in 2099": ({"created_utc": "2099-11-02 01:00:00"}, "created_utc"),
    "created in 1900": ({"created_utc": "1900-11-02 01:00:00"}, "created_utc"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(STRIPE_BAD))
def test_a_stripe_line_in_odd_notation_is_refused(db, case):
    cells, column = STRIPE_BAD[case]
    row = {**stripe_row("txn_2", "charge", 1_200, 0, source_id="ch_2"), **cells}
    with pytest.raises(InvalidInput) as caught:
        stripe_import.import_csv(db, stripe_csv([row]))
    db.rollback()
    assert caught.value.field == f"lines[2].{column}", caught.value.field


def _statement_over(db, account, first: date, last: date) -> None:
    bank.import_statement(
        db, account.id,
        icbc(f"{first},a,,1.00,1.00,b,c,R1", f"{last},a,,1.00,2.00,b,c,R2"),
        "csv", None, utcnow(),
    )  # fmt: skip
    db.commit()


def test_assertions_cover_at_most_a_year_per_call(db, account):
    last = inputs.today()
    _statement_over(db, account, last - timedelta(days=5 * 365), last)
    with pytest.raises(InvalidInput) as caught:
        assertions.compute(db, utcnow(), last - timedelta(days=400), None)
    db.rollback()
    assert caught.value.field == "end" and caught.value.details["max_days"] == 366
    rows = assertions.compute(db, utcnow())
    db.commit()
    assert len(rows) == assertions.MAX_DAYS
    assert min(row.day for row in rows) == last - timedelta(days=assertions.MAX_DAYS - 1)
    rows = assertions.compute(db, utcnow(), last - timedelta(days=9), last)
    assert len(rows) == 10
    assert db.scalar(sa.select(sa.func.max(BalanceAssertion.day))) == last


def test_the_api_refuses_a_wide_assertion_range(db, account, finance):
    last = inputs.today()
    _statement_over(db, account, last - timedelta(days=800), last)
    answer = finance.call(
        "POST", "/finance/recon/assertions", json={"start": str(last - timedelta(days=800))}
    )
    assert answer.status_code == 422 and "end" in answer.get_json()["errors"], answer.get_json()


@pytest.mark.parametrize("ledger_account", ["", "   ", "assets:stripe_clearing", "assets:x"])
def test_a_bank_account_posts_only_to_a_bank_account_of_the_chart(finance, ledger_account):
    body = {"name": "工行", "bank_name": "中国工商银行", "account_number": "4000021009200000002",
            "csv_layout": "icbc", "ledger_account": ledger_account}  # fmt: skip
    refused = finance.call("POST", "/finance/bank-accounts", json=body)
    assert refused.status_code == 422, refused.get_json()
    assert list(refused.get_json()["errors"]) == ["ledger_account"]
    kept = finance.call(
        "POST", "/finance/bank-accounts", json=body | {"ledger_account": "assets:bank:icbc"}
    )
    assert kept.status_code == 201 and kept.get_json()["ledger_account"] == "assets:bank:icbc"


def test_a_range_wider_than_a_year_is_refused_though_statements_cover_less(db, account, finance):
    last = inputs.today()
    _statement_over(db, account, last - timedelta(days=20), last)
    with pytest.raises(InvalidInput) as caught:
        assertions.compute(db, utcnow(), last - timedelta(days=3 * 365), last)
    db.rollback()
    assert caught.value.field == "end" and caught.value.details["max_days"] == 366
    asked = finance.call(
        "POST", "/finance/recon/assertions",
        json={"start": (last - timedelta(days=366)).isoformat(), "end": last.isoformat()},
    )  # fmt: skip
    assert asked.status_code == 422 and asked.get_json()["errors"]["max_days"] == [366]
    assert "end" in asked.get_json()["errors"]
    year = finance.call(
        "POST", "/finance/recon/assertions",
        json={"start": (last - timedelta(days=365)).isoformat(), "end": last.isoformat()},
    )  # fmt: skip
    assert year.status_code == 201, year.get_json()


def test_every_bad_field_of_a_bank_account_is_named_at_once(finance):
    body = {"name": " ", "bank_name": "中国工商银行", "account_number": "abc!",
            "ledger_account": "liabilities:x", "currency": "RMB", "csv_layout": "icbc"}  # fmt: skip
    refused = finance.call("POST", "/finance/bank-accounts", json=body)
    assert refused.status_code == 422, refused.get_json()
    assert set(refused.get_json()["errors"]) == {
        "name",
        "account_number",
        "ledger_account",
        "currency",
    }
