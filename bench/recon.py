"""Reconciliation speed on SQLite and PostgreSQL. Prints figures; asserts nothing.

    .venv/bin/python bench/recon.py [--lines 100000] [--runs 3] [--postgres-url URL]
                                    [--engines sqlite,postgresql]

For each engine, on a freshly migrated database: ``--lines`` card payments are put in the
books (payment rows with their Stripe charge ids, and a ledger entry each — setup, not timed),
then Stripe's itemised balance report for the same charges (a fee on each) is generated and

- imported: parsed, the charges whose payments the books hold found (one query), recorded
  (one bulk insert, those charges already reconciled), their matches written (one
  INSERT … SELECT) and booked (the fees: one entry per day) by ``stripe_import.import_csv``;
- matched: ``matching.run`` over what is left open (nothing, here: its charge rule finds no
  open charge line), which still opens the exception queue's items;
- reported: ``--lines`` rows of the general ledger (the payments' postings) written as XLSX by
  ``reports.write_xlsx`` (streamed SpreadsheetML).

Beside them, in the same run, an anchor: the raw engine inserting the same lines' rows with
nothing else (the driver's executemany on SQLite, COPY on PostgreSQL), the floor for the
import on this machine at this moment. Each figure is the median of ``--runs`` runs, each on a
new database.

The machine is shared, so wall times swing with everyone else's load; beside each wall time
the bench prints the CPU seconds the work itself used — this process's, plus on PostgreSQL the
server backend's (read from ``/proc``, so only for a server on this machine) — which move far
less with the load and compare runs taken at different moments.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ledger  # noqa: E402
from bench.databases import Databases, default_postgres_url, load_average  # noqa: E402
from ledger import EntryRequest, credit, debit  # noqa: E402
from market import migrate  # noqa: E402
from market.db import Database  # noqa: E402
from market.finance import bulk, matching, reports, stripe_balance, stripe_import  # noqa: E402
from market.finance.models import StripeBalanceTransaction  # noqa: E402
from tests.finance.generated import stripe_csv, stripe_row  # noqa: E402

START = datetime(2026, 11, 2, tzinfo=UTC)


def amount_of(n: int) -> int:
    return 10_000 + n % 9_973


def books(database: Database, url: str, lines: int) -> None:
    """The payments as trading would have booked them. Foreign key checks are off for this
    bulk setup only (a plain SQLite connection; PostgreSQL's replica role), since the bench
    needs the payments and their ledger entries, not 100,000 orders."""
    rows = [
        {"amount": amount_of(n), "pi": f"pi_{n}", "ch": f"ch_{n}", "at": START.replace(tzinfo=None)}
        for n in range(lines)
    ]
    raw = sa.create_engine(url)
    with raw.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for start in range(0, lines, 10_000):
            connection.execute(
                sa.text(
                    "INSERT INTO trading_payments (order_id, method, status, amount_minor, "
                    "currency, stripe_payment_intent_id, stripe_charge_id, created_at, "
                    "completed_at) VALUES (1, 'stripe', 'succeeded', :amount, 'CNY', :pi, :ch, "
                    ":at, :at)"
                ),
                rows[start : start + 10_000],
            )
    raw.dispose()
    with database.unit_of_work() as session:
        for start in range(0, lines, 5_000):
            ledger.post_many(
                session,
                [
                    EntryRequest(
                        f"order:{n}:paid",
                        [
                            debit("assets:stripe_clearing", amount_of(n), "CNY"),
                            credit("liabilities:escrow:order:1", amount_of(n), "CNY"),
                        ],
                        effective_at=START,
                    )
                    for n in range(start, min(start + 5_000, lines))
                ],
            )
    if database.engine.dialect.name == "sqlite":
        with database.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    # Mappers are configured once per process, on first use: not part of the import.
    sa.orm.configure_mappers()


def anchor(database: Database, lines: list) -> float:
    """The raw engine inserting the lines' rows and nothing else (then rolled back)."""
    now = datetime.now(UTC)
    rows = [(*line, "csv", "", "unreconciled", now) for line in lines]
    with database.sessions() as session:
        started = time.perf_counter()
        bulk.insert(session, StripeBalanceTransaction.__table__, stripe_balance.COLUMNS, rows)
        session.flush()
        took = time.perf_counter() - started
        session.rollback()
    return took


def report(lines: int) -> bytes:
    """Stripe's itemised balance report for the same charges, a fee on each."""
    created = (START + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    return stripe_csv(
        [
            stripe_row(f"txn_{n}", "charge", amount_of(n), amount_of(n) * 3 // 100,
                       created=created, source_id=f"ch_{n}")
            for n in range(lines)
        ]
    )  # fmt: skip


def backend_cpu(session) -> float:
    """CPU seconds used so far by the PostgreSQL backend serving ``session`` (0 on SQLite,
    which works inside this process, or when the server is not on this machine)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return 0.0
    pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class LoadSampler:
    """The machine's one-minute load average, sampled every second while timed work runs."""

    def __init__(self):
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self.samples.append(os.getloadavg()[0])

    def __enter__(self) -> LoadSampler:
        self.samples.append(os.getloadavg()[0])
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def timed(database: Database, work, figures: dict, name: str):
    """Run ``work(session)`` in a unit of work (its commit included); its wall time, this
    process's CPU seconds and the database backend's into ``figures``."""
    started, cpu = time.perf_counter(), time.process_time()
    with database.unit_of_work() as session:
        server = backend_cpu(session)
        result = work(session)
        session.flush()
        server = backend_cpu(session) - server
    figures[name] = time.perf_counter() - started
    figures[f"{name}_cpu"] = time.process_time() - cpu
    figures[f"{name}_server"] = server
    return result


def one_run(url: str, lines: int, data: bytes) -> dict[str, float]:
    """Set up, then time import and match."""
    database = Database(url)
    books(database, url, lines)
    figures = {"anchor": anchor(database, stripe_import.parse_itemised_csv(data))}
    with LoadSampler() as load:
        result = timed(database, lambda session: stripe_import.import_csv(session, data),
                       figures, "import")  # fmt: skip
        assert (result.new, result.matched) == (lines, lines), result
        ran = timed(database, lambda session: matching.run(session, datetime.now(UTC)),
                    figures, "match")  # fmt: skip
    figures["load"] = statistics.median(load.samples)
    assert sum(ran.matched.values()) == 0 and ran.opened == 0, ran.summary()
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        started = time.perf_counter()
        with database.unit_of_work() as session:
            journal = reports.general_ledger(session)
            first = reports.Report(journal.name, journal.columns, islice(journal.rows, lines))
            rows = reports.write_xlsx(first, handle.name)
        figures["xlsx"] = time.perf_counter() - started
        figures["xlsx_rows"] = rows
    database.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", default=default_postgres_url())
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    databases = Databases(args.postgres_url, migrate.upgrade, "recon")
    kinds = [kind for kind in args.engines.split(",")
             if kind == "sqlite" or (kind == "postgresql" and args.postgres_url)]  # fmt: skip
    data = report(args.lines)
    print(f"Stripe balance transactions: {args.lines:,} ({len(data) / 1e6:.1f} MB of CSV)")
    print(f"  before: {load_average()}")
    try:
        for kind in kinds:
            runs = [one_run(databases.new(kind), args.lines, data) for _ in range(args.runs)]

            def median(name: str, runs: list = runs) -> float:
                return statistics.median(r[name] for r in runs)

            imported, matched = median("import"), median("match")
            print(
                f"  {kind:10}  import {imported:6.2f} s   match {matched:6.2f} s   "
                f"total {imported + matched:6.2f} s   ({args.lines / (imported + matched):,.0f} lines/s)"
                f"   anchor (raw insert of the rows) {median('anchor'):5.2f} s"
                f"   XLSX {runs[0]['xlsx_rows']:,} rows {median('xlsx'):6.2f} s"
            )
            print(
                f"  {'':10}  CPU seconds: import {median('import_cpu'):5.2f} here"
                f" + {median('import_server'):5.2f} in the database backend,"
                f" match {median('match_cpu'):5.2f} + {median('match_server'):5.2f};"
                f" load average during the timed work {median('load'):5.2f}"
                f" (medians of {len(runs)} runs)"
            )
        print(f"  after: {load_average()}")
    finally:
        databases.close()


if __name__ == "__main__":
    main()
