"""Finance reports as CSV or XLSX, streamed: rows come from the database as an iterator and go
out as they come — XLSX through xlsxwriter's constant-memory mode, which writes each row to disk
and forgets it, so a 200,000-posting journal never sits in memory.

Reports: ``trial_balance`` (debit and credit columns), ``general_ledger`` (one row per
posting, ``[start, end)``), ``payables`` (what each provider is owed, per currency).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import xlsxwriter
from sqlalchemy.orm import Session

import ledger
from ledger import reads
from ledger.currencies import format_amount
from market.errors import NotFound
from market.text import N_

PAYABLE_PREFIX = "liabilities:provider_payable:org:"


@dataclass(frozen=True)
class Report:
    """A report: its name, column titles and rows (an iterator, read once)."""

    name: str
    columns: tuple[str, ...]
    rows: Iterator[list]


def trial_balance(session: Session, start=None, end=None) -> Report:
    """Every account's balance in a debit or a credit column (as of ``end``, or now)."""
    found = reads.trial_balance(session, as_of=end)
    rows = (
        [row.account, row.currency, row.type, row.debit, row.credit,
         format_amount(row.debit, row.currency), format_amount(row.credit, row.currency)]
        for row in found.rows
    )  # fmt: skip
    columns = ("account", "currency", "type", "debit_minor", "credit_minor", "debit", "credit")
    return Report("trial_balance", columns, rows)


def general_ledger(session: Session, start=None, end=None) -> Report:
    """Every posting of ``[start, end)`` with its entry."""
    rows = (
        [line.entry_id, line.key, line.effective_at.isoformat(), line.description, line.leg,
         line.account, line.currency, line.debit, line.credit]
        for line in ledger.journal(session, start=start, end=end)
    )  # fmt: skip
    columns = ("entry_id", "key", "effective_at", "description", "leg", "account", "currency",
               "debit_minor", "credit_minor")  # fmt: skip
    return Report("general_ledger", columns, rows)


def payables(session: Session, start=None, end=None) -> Report:
    """What the exchange owes each provider, per currency (reserved by batches included)."""
    rows = (
        [int(row.account.removeprefix(PAYABLE_PREFIX)), row.currency, row.posted, row.available]
        for row in reads.accounts_under(session, PAYABLE_PREFIX)
        if row.posted
    )
    return Report(
        "payables", ("organisation_id", "currency", "owed_minor", "not_reserved_minor"), rows
    )


REPORTS: dict[str, Callable[..., Report]] = {
    "trial_balance": trial_balance,
    "general_ledger": general_ledger,
    "payables": payables,
}


def check(name: str) -> str:
    """``name`` if there is such a report; NotFound otherwise."""
    if name not in REPORTS:
        raise NotFound(N_("there is no such report"), field="name")
    return name


def build(session: Session, name: str, start: datetime | None, end: datetime | None) -> Report:
    """The report called ``name``."""
    return REPORTS[check(name)](session, start, end)


def write_xlsx(report: Report, path: str) -> int:
    """Write the report as XLSX in constant memory; how many rows."""
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = workbook.add_worksheet(report.name[:31])
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, report.columns, bold)
    count = 0
    for count, row in enumerate(report.rows, start=1):
        sheet.write_row(count, 0, row)
    workbook.close()
    return count
