"""Reports through ``/api/v1/finance/reports``: CSV streamed, XLSX in constant memory."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest


def _as_text(value) -> str:
    """A cell as the CSV writes it: an amount in yuan with its two decimals."""
    return f"{value:.2f}" if isinstance(value, float) else str(value)


@pytest.mark.parametrize("name", ["trial_balance", "general_ledger", "payables"])
def test_each_report_as_csv_and_xlsx(finance, books, name):
    as_csv = finance.call("GET", f"/finance/reports/{name}")
    assert as_csv.status_code == 200, as_csv.get_data(as_text=True)
    body = as_csv.get_data().decode("utf-8")
    as_csv.close()  # streamed: the request (and its read transaction) ends with the response
    as_xlsx = finance.call("GET", f"/finance/reports/{name}?format=xlsx")
    assert as_xlsx.status_code == 200
    workbook = as_xlsx.get_data()
    as_xlsx.close()  # a file response: the temporary file goes with it
    assert body.startswith("\ufeff")  # Excel and WPS read it as UTF-8, not GBK
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    sheet = openpyxl.load_workbook(io.BytesIO(workbook)).active
    cells = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    assert [[_as_text(v) for v in row] for row in cells] == rows
    assert len(rows) > 1


def test_the_trial_balance_has_debit_and_credit_columns(finance, books):
    response = finance.call("GET", "/finance/reports/trial_balance")
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    response.close()
    debits = sum(int(row["debit_minor"]) for row in rows)
    credits = sum(int(row["credit_minor"]) for row in rows)
    assert debits == credits > 0
    fees = next(row for row in rows if row["account"] == "revenue:platform_fees")
    assert (fees["debit_minor"], fees["credit_minor"]) == ("0", "500")


def test_an_unknown_report_is_a_404(finance):
    assert finance.call("GET", "/finance/reports/nope").status_code == 404
    assert finance.call("GET", "/finance/reports/payables?format=pdf").status_code == 422


def test_a_report_takes_plain_days_of_the_exchange(finance, books):
    whole = finance.call("GET", "/finance/reports/general_ledger")
    everything = whole.get_data(as_text=True)
    whole.close()
    days = finance.call("GET", "/finance/reports/general_ledger?start=2000-01-01&end=2199-12-31")
    assert days.status_code == 200, days.get_json()
    assert days.get_data(as_text=True) == everything
    days.close()
    bad = finance.call("GET", "/finance/reports/general_ledger?start=2026-13-01")
    assert bad.status_code == 422 and "start" in bad.get_json()["errors"]


@pytest.mark.parametrize("name", ["trial_balance", "general_ledger", "payables", "revenue"])
def test_amounts_in_yuan_are_numbers_in_xlsx(finance, books, name):
    response = finance.call("GET", f"/finance/reports/{name}?format=xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    response.close()
    header, *rows = list(sheet.iter_rows())
    titles = [cell.value for cell in header]
    in_yuan = [i for i, title in enumerate(titles) if f"{title}_minor" in titles]
    assert in_yuan, titles
    amounts = [row[i] for row in rows for i in in_yuan if row[i].value not in (None, "")]
    assert amounts, name
    for cell in amounts:
        minor = rows[cell.row - 2][titles.index(f"{titles[cell.column - 1]}_minor")].value
        assert isinstance(cell.value, int | float), (titles[cell.column - 1], cell.value)
        assert round(cell.value * 100) == minor and cell.number_format == "#,##0.00"
