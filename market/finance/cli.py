"""``shujiao ledger ...``: verify the books, print the trial balance, seal the chain, export."""

from __future__ import annotations

import sys
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

import ledger
from ledger import reads
from ledger.export import export_csv, export_xlsx
from ledger.verify import verify
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
