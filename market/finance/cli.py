"""``shujiao ledger ...``: verify the books, print the trial balance, seal the chain, export;
``shujiao recon ...``: bring Stripe's balance and the bank's statements in, match, see where
reconciliation stands."""

from __future__ import annotations

import sys
from datetime import datetime
from gettext import ngettext
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from marshmallow import ValidationError

import ledger
from ledger import reads
from ledger.export import export_csv, export_xlsx
from ledger.verify import verify
from market.db import utcnow
from market.errors import DomainError
from market.finance import (
    assertions,
    bank,
    exceptions,
    schemas,
    standings,
    statements,
    stripe_import,
)
from market.finance.inputs import coded_money
from market.finance.models import (
    BankAccount,
    StripeBalanceTransaction,
    StripeSync,
)
from market.payments.gateway import GatewayError
from market.trading import books

ledger_cli = AppGroup("ledger", help="The double-entry ledger.")


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2026-11-01T00:00:00+08:00")
    return moment


@ledger_cli.command("verify")
def verify_command():
    """Re-derive every balance from the postings and check every invariant; exit 1 if any fail."""
    with current_app.extensions["db"].unit_of_work() as session:
        report = verify(session, settled_escrows=books.settled_escrow_accounts(session))
    click.echo(report.format())
    sys.exit(0 if report.ok else 1)


@ledger_cli.command("trial-balance")
@click.option("--as-of", help="ISO 8601 moment with zone; default: now (stored totals).")
def trial_balance_command(as_of: str | None):
    """Print the trial balance per currency."""
    with current_app.extensions["db"].unit_of_work() as session:
        trial = reads.trial_balance(session, as_of=_moment(as_of))
    click.echo(trial.format())
    sys.exit(0 if trial.balanced else 1)


@ledger_cli.command("seal")
def seal_command():
    """Chain every entry not yet in the tamper-evident hash chain."""
    with current_app.extensions["db"].unit_of_work() as session:
        sealed = ledger.seal_chain(session)
    click.echo(f"sealed {sealed}")


@ledger_cli.command("export")
@click.option("--format", "kind", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("--start", help="ISO 8601 moment with zone (inclusive)")
@click.option("--end", help="ISO 8601 moment with zone (exclusive)")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), required=True)
def export_command(kind: str, start: str | None, end: str | None, output: str):
    """Export the journal of ``[start, end)`` to a CSV or XLSX file."""
    window = {"start": _moment(start), "end": _moment(end)}
    with current_app.extensions["db"].unit_of_work() as session:
        if kind == "xlsx":
            rows = export_xlsx(session, output, **window)
        else:
            with open(output, "w", newline="", encoding="utf-8") as handle:
                rows = export_csv(session, handle, **window)
    click.echo(f"wrote {rows} postings to {output}")


recon_group = AppGroup("recon", help="Reconciliation with Stripe and the bank.")


def _count(number: int, one: str, many: str) -> str:
    """``number`` with its noun in the singular or the plural (``1 new line``, ``2 new lines``):
    the command line speaks English, by the standard library's plural rule."""
    return ngettext(one, many, number) % {"num": number}


def _fail(error: DomainError) -> None:
    details = "".join(f"\n  {key}: {value}" for key, value in error.errors.items())
    raise click.ClickException(f"{error.message}{details}")


# The owner tag tells webhooks which objects are this exchange's; the balance import does not
# filter by it (docs/reconciliation.md), and says so, since the tag suggests it might.
EVERY_LINE = (
    "Every line is imported, whatever its owner tag (SHUJIAO_STRIPE_OWNER_TAG): Stripe's "
    "balance, fees and payouts are the whole account's, so the books agree with it only line "
    "for line; a charge that is not this exchange's stays unmatched for finance to explain."
)


@recon_group.command("import-stripe")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Stripe's itemised balance report (CSV); without it, pull from the API.",
)
@click.option("--page-size", default=100, show_default=True, type=click.IntRange(1, 100))
@click.option(
    "--pause",
    default=0.05,
    show_default=True,
    type=click.FloatRange(0, 60),
    help="Seconds between API pages (keeps well under Stripe's rate limit).",
)
def import_stripe(path: str | None, page_size: int, pause: float):  # fmt: skip
    """Import Stripe balance transactions (new ones only; safe to run again)."""
    database = current_app.extensions["db"]
    if path:
        with database.unit_of_work() as session:
            try:
                result = stripe_import.import_csv(
                    session, Path(path).read_bytes(), None, utcnow(), file_name=Path(path).name
                )
            except DomainError as error:
                session.rollback()
                _fail(error)
        click.echo(
            f"{result.new} new, {result.unchanged} known, {result.entries} entries posted, "
            f"{_count(result.matched, '%(num)s charge matched', '%(num)s charges matched')}"
        )
        click.echo(EVERY_LINE)
        return
    gateway = current_app.extensions["payments"]
    if gateway is None:
        raise click.ClickException("Stripe is not configured (SHUJIAO_STRIPE_SECRET_KEY)")

    def progress(run: StripeSync) -> None:
        click.echo(f"page {run.pages}: {run.lines_new} new, {run.lines_known} known", err=True)

    try:
        run = stripe_import.pull(
            database, gateway, page_size=page_size, pause=pause, progress=progress
        )
    except GatewayError as error:
        raise click.ClickException(f"Stripe: {error} (run again to resume)") from None
    except DomainError as error:
        _fail(error)
    click.echo(
        f"{run.outcome}: {_count(run.pages, '%(num)s page', '%(num)s pages')}, "
        f"{run.lines_new} new, {run.lines_known} known"
    )
    click.echo(EVERY_LINE)


@recon_group.command("add-bank-account")
@click.argument("name")
@click.option("--bank", "bank_name", required=True)
@click.option("--number", "account_number", required=True)
@click.option("--currency", default="CNY", show_default=True)
@click.option("--layout", "csv_layout", type=click.Choice(sorted(statements.LAYOUTS)))
@click.option("--encoding", type=click.Choice(statements.ENCODINGS))
@click.option(
    "--ledger-account",
    default="assets:bank",
    show_default=True,
    help="the ledger code its money is booked on, e.g. assets:bank:cmb-main",
)
@click.option("--default", "is_default", is_flag=True,
              help="receipts, payout batches and refunds naming no account go through it "
                   "(the first account of a currency always is)")  # fmt: skip
def add_bank_account(
    name, bank_name, account_number, currency, csv_layout, encoding, ledger_account, is_default
):
    """Register one of the exchange's bank accounts and its statement layout."""
    data = {
        "name": name,
        "bank_name": bank_name,
        "account_number": account_number,
        "currency": currency.upper(),
        "csv_layout": csv_layout,
        "encoding": encoding,
        "ledger_account": ledger_account,
        "is_default": is_default,
    }
    try:
        data = schemas.BankAccountInputSchema().load(
            {key: value for key, value in data.items() if value is not None}
        )
    except ValidationError as error:
        field = sorted(error.messages)[0]
        raise click.ClickException(
            f"{field}: {' '.join(map(str, error.messages[field]))}"
        ) from None
    with current_app.extensions["db"].unit_of_work() as session:
        try:
            account = bank.create_account(session, data, None, utcnow())
        except DomainError as error:
            _fail(error)
        default = " (the default of its currency)" if account.is_default else ""
    click.echo(f"bank account {name} registered on {ledger_account}{default}")


@recon_group.command("book-opening")
@click.argument("account")
@click.confirmation_option(prompt="Book the first statement's opening balance in the ledger?")
def book_opening(account):
    """Book ACCOUNT's first statement's opening balance against equity:opening_balances."""
    with current_app.extensions["db"].unit_of_work() as session:
        found = session.scalar(sa.select(BankAccount).where(BankAccount.name == account))
        if found is None:
            raise click.ClickException(f"no bank account named {account!r} (add-bank-account)")
        try:
            entry = bank.book_opening_balance(session, found.id, None, utcnow())
        except DomainError as error:
            _fail(error)
        leg = next(leg for leg in entry.postings if leg.account == found.ledger_account)
        verb = "already booked" if entry.replayed else "booked"
        click.echo(
            f"{entry.key} {verb}: {found.ledger_account} {coded_money(leg.amount, leg.currency)}"
            f" from {entry.effective_at.isoformat()}"
        )


@recon_group.command("import-bank")
@click.argument("account")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "kind", type=click.Choice(statements.FORMATS), default="csv")
@click.option(
    "--encoding",
    type=click.Choice(statements.ENCODINGS),
    default=None,
    help="Default: the account's, else detected.",
)
@click.option("--layout", type=click.Choice(sorted(statements.LAYOUTS)), default=None)
@click.option(
    "--opening",
    type=int,
    default=None,
    help="Opening balance in minor units (layouts without a balance column).",
)
def import_bank(account, path, kind, encoding, layout, opening):  # fmt: skip
    """Import a bank statement file for ACCOUNT (its name); safe to run again."""
    with current_app.extensions["db"].unit_of_work() as session:
        found = session.scalar(sa.select(BankAccount).where(BankAccount.name == account))
        if found is None:
            raise click.ClickException(f"no bank account named {account!r} (add-bank-account)")
        try:
            result = bank.import_statement(
                session, found.id, Path(path).read_bytes(), kind, None, utcnow(),
                encoding=encoding, layout=layout, opening=opening, file_name=Path(path).name,
            )  # fmt: skip
        except DomainError as error:
            session.rollback()
            _fail(error)
        statement = result.statement
        verb = "imported" if result.created else "already imported"
        click.echo(
            f"{verb}: statement {statement.id}, {statement.period_start} – {statement.period_end}, "
            f"{_count(result.new_lines, '%(num)s new line', '%(num)s new lines')}, "
            f"{result.known_lines} known, "
            f"closing {statement.closing_minor} {found.currency}"
        )


@recon_group.command("status")
def status():
    """Each bank account's latest statement, and Stripe's balance per currency, against the
    ledger at the end of its last day: the difference, what open items explain, the lines still open. Exit 1 if
    any difference is unexplained (and not accepted with a reason)."""
    with current_app.extensions["db"].unit_of_work() as session:
        lines = session.scalar(sa.select(sa.func.count()).select_from(StripeBalanceTransaction))
        last = session.scalar(sa.select(StripeSync).order_by(StripeSync.id.desc()).limit(1))
        click.echo(
            "stripe: "
            + _count(lines, "%(num)s balance transaction", "%(num)s balance transactions")
        )
        if last is not None:
            click.echo(
                f"  last pull {last.started_at:%Y-%m-%d %H:%M} UTC: {last.outcome or 'running'}"
            )
        found = standings.standings(session)
        for row in found:
            where = (
                f"stripe {row.currency} to {row.last}"
                if row.account_key == assertions.STRIPE
                else f"bank {row.label} statement {row.first} – {row.last}"
            )
            verdict = "accepted" if row.accepted else ("DIFFERS" if row.failing else "explained")

            def shown(minor: int, row=row) -> str:
                return coded_money(minor, row.currency)

            if row.settled:  # every account is listed, a settled one in a line of its own
                click.echo(
                    f"{where}: closing {shown(row.statement_minor)}, ledger "
                    f"{row.ledger_account} {shown(row.ledger_minor)}: settled"
                )
                continue
            click.echo(
                f"{where}: closing {shown(row.statement_minor)}, ledger {row.ledger_account} "
                f"{shown(row.ledger_minor)} (difference {shown(row.difference_minor)}, open "
                f"items {shown(row.explained_minor)}, unexplained "
                f"{shown(row.unexplained_minor)}: {verdict}), "
                f"{_count(row.open_lines, '%(num)s line open', '%(num)s lines open')}"
            )
        for name in standings.bank_accounts_without_statements(session):
            click.echo(f"bank {name}: no statement yet")
    settled = sum(1 for row in found if row.settled)
    failing = sum(1 for row in found if row.failing)
    banks = sum(1 for row in found if row.account_key != assertions.STRIPE)
    click.echo(
        f"{_count(banks, '%(num)s bank account', '%(num)s bank accounts')} and "
        f"{_count(len(found) - banks, '%(num)s Stripe balance', '%(num)s Stripe balances')}: "
        f"{settled} settled, "
        f"{len(found) - settled - failing} open and explained, {failing} with a difference "
        "nothing explains"
    )
    sys.exit(1 if failing else 0)


@recon_group.command("run")
@click.option(
    "--window-days",
    default=5,
    show_default=True,
    type=click.IntRange(0, 60),
    help="How long after Stripe sends a payout the bank may show it.",
)
def run_command(window_days: int):  # fmt: skip
    """Match everything open and refresh the exception queue."""
    with current_app.extensions["db"].unit_of_work() as session:
        result = exceptions.run(session, None, utcnow(), window_days=window_days)
        waiting = session.scalar(
            sa.select(sa.func.count()).select_from(exceptions.queue().subquery())
        )
    click.echo(result.summary())
    click.echo(_count(waiting, "%(num)s exception open", "%(num)s exceptions open"))


@recon_group.command("assert")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day.")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day.")
def assert_command(start, end):
    """Assert each reconciled account's balance for every day its statements cover: statement
    against ledger and the open items that explain the difference; exit 1 if any day differs."""
    first, last = (start.date() if start else None), (end.date() if end else None)
    if first and last and last < first:
        raise click.BadParameter("must not be before --start", param_hint="--end")
    with current_app.extensions["db"].unit_of_work() as session:
        try:
            rows = exceptions.assert_balances(session, None, utcnow(), first, last)
        except DomainError as error:
            _fail(error)
        for row in rows:
            click.echo(
                f"{row.day} {row.label}: statement {coded_money(row.statement_minor, row.currency)}"
                f", ledger {coded_money(row.ledger_minor, row.currency)}, open {row.open_count} "
                f"({coded_money(row.open_minor, row.currency)}), unexplained "
                f"{coded_money(row.unexplained_minor, row.currency)} — {row.status}"
            )
        bad = [row for row in rows if row.status == "differs"]
    click.echo(
        f"{_count(len(rows), '%(num)s day asserted', '%(num)s days asserted')}, "
        f"{len(bad)} with a difference nothing explains"
    )
    sys.exit(1 if bad else 0)
