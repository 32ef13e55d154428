"""Finance reports as CSV or XLSX, streamed: rows come from the database as an iterator and go
out as they come — XLSX through ``ledger.xlsx``, which writes each row into the sheet
as it is read, so a 400,000-posting journal never sits in memory.

Reports: ``trial_balance`` (debit and credit columns), ``general_ledger`` (one row per
posting, ``[start, end)``), ``payables`` (what each provider is owed, per currency),
``provider_statement`` (one provider's payable: opening, every movement, closing, per currency),
``escrow_ageing`` (money held for orders, by how long it has been held), ``revenue`` (platform
fees net of VAT by month and category) and ``volume`` (money paid in by month and category).
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

import ledger
from ledger import export, reads, xlsx
from ledger.currencies import to_major
from ledger.models import accounts, entries, postings
from market.charts import month_of
from market.db import utcnow
from market.errors import InvalidInput, NotFound
from market.finance.schemas import exchange_zone
from market.identity.models import Organisation
from market.text import N_
from market.trading import books
from market.trading.models import Order, Payment, PaymentStatus

PAYABLE_PREFIX = "liabilities:provider_payable:org:"
ESCROW_PREFIX = "liabilities:escrow:order:"
REVENUE = "revenue:platform_fees"
VAT = "liabilities:vat_output"
# Escrow ageing buckets: held up to this many days (the last is open-ended).
AGE_BUCKETS = ((7, "0-7"), (30, "8-30"), (90, "31-90"), (None, "91+"))
# A CSV for spreadsheets opens with UTF-8's byte-order mark: without it Excel and WPS on a
# Chinese Windows read the file as GBK and garble every Chinese word.
BOM = "\ufeff"


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
         to_major(row.debit, row.currency), to_major(row.credit, row.currency)]
        for row in found.rows
    )  # fmt: skip
    columns = ("account", "currency", "type", "debit_minor", "credit_minor", "debit", "credit")
    return Report("trial_balance", columns, rows)


def general_ledger(session: Session, start=None, end=None) -> Report:
    """Every posting of ``[start, end)`` with its entry: the journal download's rows (times
    in the exchange's zone with their offset, amounts in minor units and in the currency's
    major unit)."""
    return Report(
        "general_ledger", export.COLUMNS, export.rows(session, start, end, exchange_zone())
    )


def payables(session: Session, start=None, end=None) -> Report:
    """What the exchange owes each provider, per currency (reserved by batches included)."""
    rows = (
        [int(row.account.removeprefix(PAYABLE_PREFIX)), row.currency, row.posted, row.available,
         to_major(row.posted, row.currency), to_major(row.available, row.currency)]
        for row in reads.accounts_under(session, PAYABLE_PREFIX)
        if row.posted
    )  # fmt: skip
    columns = ("organisation_id", "currency", "owed_minor", "not_reserved_minor", "owed",
               "not_reserved")  # fmt: skip
    return Report("payables", columns, rows)


def provider_statement(session: Session, start=None, end=None, organisation_id=None) -> Report:
    """One provider's payable in every currency it has: the opening balance, each movement of
    ``[start, end)`` (settlements, payouts, returns, claw-backs) and the closing balance."""
    if organisation_id is None:
        raise InvalidInput(N_("Choose the organisation."), field="organisation_id")
    code = books.payable_account(organisation_id)
    currencies = session.scalars(
        sa.select(accounts.c.currency).where(accounts.c.code == code).order_by(accounts.c.currency)
    ).all()

    zone = exchange_zone()

    def major(minor: int, currency: str) -> str:
        return to_major(minor, currency) if minor else ""

    def rows():
        for currency in currencies:
            found = ledger.statement(session, code, currency, start=start, end=end)
            yield ["", currency, "opening", "", 0, 0, found.opening, "", "",
                   to_major(found.opening, currency)]  # fmt: skip
            for line in found.lines:
                yield [line.effective_at.astimezone(zone).isoformat(timespec="seconds"),
                       currency, export.spreadsheet_safe(line.description), line.entry_id,
                       line.debit, line.credit, line.balance, major(line.debit, currency),
                       major(line.credit, currency),
                       to_major(line.balance, currency)]  # fmt: skip
            yield ["", currency, "closing", "", 0, 0, found.closing, "", "",
                   to_major(found.closing, currency)]  # fmt: skip

    columns = ("effective_at", "currency", "description", "entry_id", "debit_minor",
               "credit_minor", "balance_minor", "debit", "credit", "balance")  # fmt: skip
    return Report("provider_statement", columns, rows())


def _bucket(days: int) -> str:
    for limit, name in AGE_BUCKETS:
        if limit is None or days <= limit:
            return name
    return AGE_BUCKETS[-1][1]


def escrow_ageing(session: Session, start=None, end=None) -> Report:
    """Every order whose escrow still holds money, with how many days since it was paid (as of
    ``end``, or now) and its bucket; the totals per bucket close the report."""
    at = end or utcnow()
    held = [row for row in reads.accounts_under(session, ESCROW_PREFIX) if row.posted]
    ids = [int(row.account.removeprefix(ESCROW_PREFIX)) for row in held]
    orders = {
        order.id: order for order in session.scalars(sa.select(Order).where(Order.id.in_(ids)))
    }
    paid = dict(
        session.execute(
            sa.select(Payment.order_id, sa.func.min(Payment.completed_at))
            .where(Payment.order_id.in_(ids), Payment.completed_at.is_not(None))
            .group_by(Payment.order_id)
        ).all()
    )

    zone = exchange_zone()

    def rows():
        totals = defaultdict(int)
        for row, order_id in zip(held, ids, strict=True):
            order = orders.get(order_id)
            since = paid.get(order_id)
            days = max((at - since).days, 0) if since else 0
            bucket = _bucket(days)
            totals[bucket, row.currency] += row.posted
            yield [order_id, order.reference if order else "", str(order.status) if order else "",
                   row.currency, row.posted,
                   since.astimezone(zone).isoformat(timespec="seconds") if since else "", days,
                   bucket, to_major(row.posted, row.currency)]  # fmt: skip
        for (bucket, currency), total in sorted(totals.items()):
            yield ["total", "", "", currency, total, "", "", bucket, to_major(total, currency)]

    columns = ("order_id", "reference", "status", "currency", "held_minor", "paid_at", "days",
               "bucket", "held")  # fmt: skip
    return Report("escrow_ageing", columns, rows())


def _by_account_month(session: Session, code: str, start, end):
    """(month, currency, order id, amount on the normal credit side) of each posting."""
    query = (
        sa.select(
            postings.c.effective_at, postings.c.currency, postings.c.amount, entries.c.metadata
        )
        .join(accounts, accounts.c.id == postings.c.account_id)
        .join(entries, entries.c.id == postings.c.entry_id)
        .where(accounts.c.code == code)
    )
    if start is not None:
        query = query.where(postings.c.effective_at >= start)
    if end is not None:
        query = query.where(postings.c.effective_at < end)
    for moment, currency, amount, meta in session.execute(query):
        yield month_of(moment), currency, (meta or {}).get("order_id"), -amount


def _categories(session: Session, order_ids) -> dict[int, str]:
    wanted = sorted({int(i) for i in order_ids if i is not None})
    found = {}
    for first in range(0, len(wanted), 5_000):
        chunk = wanted[first : first + 5_000]
        for order_id, category in session.execute(
            sa.select(Order.id, Order.category).where(Order.id.in_(chunk))
        ):
            found[order_id] = str(category)
    return found


def revenue(session: Session, start=None, end=None) -> Report:
    """Platform fees by month (UTC+8) and category: revenue net of VAT, the VAT, and the fee
    the buyer paid (their sum); refunds after settlement count as negative fees."""
    fees = list(_by_account_month(session, REVENUE, start, end))
    vat = list(_by_account_month(session, VAT, start, end))
    categories = _categories(session, [row[2] for row in fees + vat])
    totals = defaultdict(lambda: [0, 0])
    for index, found in enumerate((fees, vat)):
        for month, currency, order_id, amount in found:
            category = categories.get(int(order_id), "") if order_id is not None else ""
            totals[month, category, currency][index] += amount
    rows = (
        [month, category, currency, net, tax, net + tax, to_major(net, currency),
         to_major(tax, currency), to_major(net + tax, currency)]
        for (month, category, currency), (net, tax) in sorted(totals.items())
    )  # fmt: skip
    columns = ("month", "category", "currency", "revenue_minor", "vat_minor", "fee_minor",
               "revenue", "vat", "fee")  # fmt: skip
    return Report("revenue", columns, rows)


def volume(session: Session, start=None, end=None) -> Report:
    """Money buyers paid in, by month (UTC+8) of the payment and the order's category."""
    query = (
        sa.select(Payment.completed_at, Order.category, Payment.currency, Payment.amount_minor)
        .join(Order, Order.id == Payment.order_id)
        .where(Payment.status == PaymentStatus.SUCCEEDED, Payment.completed_at.is_not(None))
    )
    if start is not None:
        query = query.where(Payment.completed_at >= start)
    if end is not None:
        query = query.where(Payment.completed_at < end)
    totals = defaultdict(lambda: [0, 0])
    for moment, category, currency, amount in session.execute(query):
        total = totals[month_of(moment), str(category), currency]
        total[0] += 1
        total[1] += amount
    rows = (
        [month, category, currency, count, amount, to_major(amount, currency)]
        for (month, category, currency), (count, amount) in sorted(totals.items())
    )
    columns = ("month", "category", "currency", "payments", "amount_minor", "amount")
    return Report("volume", columns, rows)


# The downloads a reader reads line by line — the journal, the general ledger, a provider's
# statement — are titled in the reader's words on the pages; the codes stay for machines
# (the API's default, and ``header=codes``).
LABELLED = {"general_ledger", "provider_statement"}
COLUMN_LABELS = {
    "entry_id": N_("Entry"),
    "idempotency_key": N_("Key"),
    "effective_at": N_("Effective at"),
    "recorded_at": N_("Recorded at"),
    "description": N_("Description"),
    "leg": N_("Leg"),
    "account": N_("Account"),
    "currency": N_("Currency"),
    "debit_minor": N_("Debit (minor units)"),
    "credit_minor": N_("Credit (minor units)"),
    "balance_minor": N_("Balance (minor units)"),
    "debit": N_("Debit"),
    "credit": N_("Credit"),
    "balance": N_("Balance"),
    "reverses_entry_id": N_("Reverses entry"),
    "metadata": N_("Details"),
}


REPORTS: dict[str, Callable[..., Report]] = {
    "trial_balance": trial_balance,
    "general_ledger": general_ledger,
    "payables": payables,
    "provider_statement": provider_statement,
    "escrow_ageing": escrow_ageing,
    "revenue": revenue,
    "volume": volume,
}


def check(session: Session, name: str, organisation_id: int | None = None) -> str:
    """``name`` if there is such a report and it has what it needs; NotFound or InvalidInput
    otherwise (before anything is streamed). Only the provider statement is of one
    organisation: another report given one would answer for everyone."""
    if name not in REPORTS:
        raise NotFound(N_("There is no such report."), field="name")
    if name != "provider_statement":
        if organisation_id is not None:
            raise InvalidInput(
                N_("This report is of the whole exchange: leave out organisation_id."),
                field="organisation_id",
            )
        return name
    if organisation_id is None:
        raise InvalidInput(N_("Choose the organisation."), field="organisation_id")
    if session.get(Organisation, organisation_id) is None:
        raise NotFound(N_("No such organisation."), field="organisation_id")
    return name


def build(
    session: Session, name: str, start: datetime | None, end: datetime | None,
    organisation_id: int | None = None,
) -> Report:  # fmt: skip
    """The report called ``name``."""
    if name == "provider_statement":
        return provider_statement(session, start, end, organisation_id)
    return REPORTS[check(session, name)](session, start, end)


def header(report: Report, labels: dict | None) -> list[str] | tuple[str, ...]:
    """The report's column titles: ``labels`` (code → words) for the reports a reader reads
    line by line (:data:`LABELLED`), else the codes."""
    if not labels or report.name not in LABELLED:
        return report.columns
    return [labels.get(code, code) for code in report.columns]


def write_xlsx(report: Report, path: str, labels: dict | None = None) -> int:
    """Write the report as XLSX, row by row as it is read (``ledger.xlsx``); how many
    rows."""
    return xlsx.write(path, report.name, header(report, labels), report.rows)


def xlsx_file(session: Session, name: str, *window, labels: dict | None = None):
    """The report written as XLSX to a temporary file (closing it removes it)."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the caller closes it
    write_xlsx(build(session, name, *window), handle.name, labels)
    return handle


def csv_chunks(database, name: str, *window, labels: dict | None = None) -> Iterator[str]:
    """The report as CSV text in chunks of about 64 kB, read in a unit of work of its own (the
    rows are read while the body is sent, after the request's own unit of work has ended)."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    with database.unit_of_work() as session:
        built = build(session, name, *window)
        writer.writerow(header(built, labels))
        for row in built.rows:
            writer.writerow(row)
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()
