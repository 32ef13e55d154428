"""Balances, statements and journal exports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import openpyxl
import pytest

import ledger
from ledger import credit, debit, errors
from ledger.export import COLUMNS, export_csv, export_xlsx
from ledger.reads import accounts_under, balance, balance_as_of, journal, statement
from tests.ledger.helpers import CLEARING, capture, escrow, settle

DAY = [datetime(2025, 3, d, 12, tzinfo=UTC) for d in range(1, 6)]


@pytest.fixture
def history(session):
    capture(session, 1, 1_000, effective_at=DAY[0])
    capture(session, 2, 500, effective_at=DAY[2])
    settle(session, 1, 7, 1_000, 50, key="settle")  # effective now
    return session


def test_as_of_balances_follow_effective_dates(history):
    assert balance_as_of(history, CLEARING, "CNY", DAY[0]) == 1_000
    assert balance_as_of(history, CLEARING, "CNY", DAY[1]) == 1_000
    assert balance_as_of(history, CLEARING, "CNY", DAY[4]) == 1_500
    assert balance_as_of(history, escrow(1), "CNY", DAY[4]) == 1_000
    assert balance_as_of(history, escrow(1), "CNY", datetime.now(UTC)) == 0
    assert balance(history, escrow(1), "CNY").posted == 0


def test_statement_has_running_balance_and_opening(history):
    full = statement(history, escrow(1), "CNY")
    assert [(line.credit, line.debit, line.balance) for line in full.lines] == [
        (1_000, 0, 1_000),
        (0, 1_000, 0),
    ]
    later = statement(history, CLEARING, "CNY", start=DAY[1], end=DAY[4])
    assert (later.opening, later.closing) == (1_000, 1_500)
    assert [line.entry_id for line in later.lines] == [2]


def test_unknown_account(history):
    with pytest.raises(errors.AccountNotFound):
        balance(history, "assets:nowhere", "CNY")


def test_accounts_under_a_prefix(history):
    codes = [b.account for b in accounts_under(history, "liabilities:escrow:")]
    assert codes == [escrow(1), escrow(2)]


def test_journal_and_csv_export(history):
    lines = list(journal(history, start=DAY[0], end=DAY[3]))
    assert [(line.entry_id, line.leg) for line in lines] == [(1, 1), (1, 2), (2, 1), (2, 2)]

    out = io.StringIO()
    assert export_csv(history, out) == 7
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["account"] == CLEARING
    assert (rows[0]["debit_minor"], rows[0]["debit"]) == ("1000", "10.00")
    assert rows[1]["credit"] == "10.00" and rows[1]["metadata"] == '{"order_id": "1"}'


def test_xlsx_export(history, tmp_path):
    path = tmp_path / "journal.xlsx"
    assert export_xlsx(history, path, end=DAY[4]) == 4
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = list(workbook["journal"].iter_rows(values_only=True))
    workbook.close()
    assert rows[0] == COLUMNS
    assert rows[1][COLUMNS.index("account")] == CLEARING
    assert rows[1][COLUMNS.index("debit_minor")] == 1_000


HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("text", HOSTILE)
def test_exports_never_carry_a_formula(session, tmp_path, text):
    ledger.post(
        session,
        "hostile",
        [debit(CLEARING, 100, "CNY"), credit("liabilities:escrow:order:9", 100, "CNY")],
        description=text,
        metadata={"note": text},
    )
    out = io.StringIO()
    export_csv(session, out)
    row = next(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert row["description"] == "'" + text
    assert not row["metadata"].startswith(("=", "+", "-", "@"))
    path = tmp_path / "journal.xlsx"
    export_xlsx(session, path)
    workbook = openpyxl.load_workbook(path, read_only=True)
    cells = list(workbook["journal"].iter_rows(min_row=2, max_row=2, values_only=True))[0]
    workbook.close()
    # XML stores a carriage return as a line feed; the apostrophe is what matters.
    assert cells[COLUMNS.index("description")] == "'" + text.replace("\r", "\n")
    # Amounts stay numbers, negative or not.
    assert cells[COLUMNS.index("debit_minor")] == 100
