"""Ledger throughput and read latency, on SQLite and PostgreSQL. Prints figures; asserts nothing.

    .venv/bin/python bench/ledger.py [--quick] [--postgres-url URL] [--runs 3]

Cases (3-leg entries: card payment captured with its fee, all database checks on):

- one entry per transaction, SQLite (one writer: SQLite has one);
- one entry per transaction, PostgreSQL, two writer processes on the same hot accounts;
- batched (``post_many``, 1,000 entries per transaction), SQLite and PostgreSQL;
- PostgreSQL's own ``pgbench`` TPS (``-c 2``, simple-update and TPC-B-like) for comparison;
- trial balance and a balance read over 1,000,000 postings (100,000 with ``--quick``).

Throughput figures are the median of ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ledger  # noqa: E402
from bench.databases import Databases, default_postgres_url, load_average  # noqa: E402
from ledger import EntryRequest, credit, debit  # noqa: E402
from ledger.reads import balance, balance_as_of, trial_balance  # noqa: E402

PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"
CASES = ("single", "batched", "pgbench", "reads")
ORDERS = 200


def payment(key: str, n: int) -> EntryRequest:
    """Card payment captured: clearing and fee against the order's escrow (3 legs)."""
    amount = 10_000 + n % 977
    fee = amount * 3 // 100
    return EntryRequest(
        key,
        [
            debit("assets:stripe_clearing", amount - fee, "CNY"),
            debit("expenses:payment_fees", fee, "CNY"),
            credit(f"liabilities:escrow:order:{n % ORDERS}", amount, "CNY"),
        ],
        description="card payment captured",
        metadata={"order_id": str(n % ORDERS)},
    )


def make_engine(url: str) -> sa.Engine:
    engine = sa.create_engine(url)
    # What the app does (market.db.make_engine): WAL, synchronous=NORMAL, BEGIN IMMEDIATE.
    ledger.configure_sqlite(engine, begin="BEGIN IMMEDIATE", synchronous="NORMAL")
    return engine


def prepare(url: str) -> None:
    """The ledger's tables, with the accounts opened up front so the runs measure posting."""
    engine = make_engine(url)
    with engine.begin() as connection:
        ledger.create_all(connection)
    with sessionmaker(engine).begin() as session:
        ledger.post_many(session, [payment(f"warm-{n}", n) for n in range(ORDERS)])
    engine.dispose()


def _single_writer(url: str, prefix: str, count: int, start: multiprocessing.Event | None) -> None:
    engine = make_engine(url)
    sessions = sessionmaker(engine)
    if start is not None:
        start.wait()
    for n in range(count):
        request = payment(f"{prefix}-{n}", n)
        ledger.run_in_transaction(
            sessions,
            lambda s, r=request: ledger.post(
                s, r.key, r.legs, description=r.description, metadata=r.metadata
            ),
        )
    engine.dispose()


def single(url: str, count: int, writers: int) -> float:
    """Entries per second, one entry per transaction, with ``writers`` processes."""
    if writers == 1:
        began = time.perf_counter()
        _single_writer(url, "single", count, None)
        return count / (time.perf_counter() - began)
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    processes = [
        context.Process(target=_single_writer, args=(url, f"w{i}", count // writers, start))
        for i in range(writers)
    ]
    for process in processes:
        process.start()
    time.sleep(1.5)  # let the children import and connect before the clock starts
    began = time.perf_counter()
    start.set()
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - began
    assert all(p.exitcode == 0 for p in processes), "a writer failed"
    return (count // writers) * writers / elapsed


def batched(url: str, count: int, batch: int = 1000) -> float:
    """Entries per second with ``post_many``, ``batch`` entries per transaction."""
    engine = make_engine(url)
    sessions = sessionmaker(engine)
    began = time.perf_counter()
    for start in range(0, count, batch):
        requests = [payment(f"batch-{n}", n) for n in range(start, min(count, start + batch))]
        with sessions.begin() as session:
            ledger.post_many(session, requests)
    elapsed = time.perf_counter() - began
    engine.dispose()
    return count / elapsed


def median_rate(databases: Databases, kind: str, runs: int, measure) -> float:
    return statistics.median(measure(databases.new(kind)) for _ in range(runs))


def pgbench(postgres_url: str, seconds: int) -> dict[str, float]:
    """TPS of PostgreSQL's pgbench with two clients, simple-update (-N) and TPC-B-like."""
    if not Path(PGBENCH).exists():
        return {}
    url = sa.make_url(postgres_url)
    name = f"pgbench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    common = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username]
    results = {}
    try:
        subprocess.run(
            [PGBENCH, "-i", "-q", *common, name], check=True, capture_output=True, env=env
        )
        for label, flags in (("simple-update (-N)", ["-N"]), ("tpcb-like", [])):
            out = subprocess.run(
                [PGBENCH, *flags, "-c", "2", "-j", "2", "-T", str(seconds), *common, name],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            ).stdout
            match = re.search(r"tps = ([\d.]+)", out)
            results[label] = float(match.group(1)) if match else float("nan")
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    return results


def load_history(url: str, entries: int) -> None:
    """``entries`` 2-leg entries through the real tables and triggers, set-based.

    Every entry debits ``assets:stripe_clearing``, which ends up with ``entries`` postings.
    """
    engine = make_engine(url)
    when = datetime(2025, 1, 1, tzinfo=UTC)
    with sessionmaker(engine).begin() as session:
        hot = ledger.open_account(session, "assets:stripe_clearing", "CNY").id
        escrows = [
            ledger.open_account(session, f"liabilities:escrow:order:h{i}", "CNY").id
            for i in range(100)
        ]
        base = session.execute(sa.text("SELECT coalesce(max(id), 0) FROM ledger_entries")).scalar()
        stamp = (
            when.strftime("%Y-%m-%d %H:%M:%S.000000") if engine.dialect.name == "sqlite" else when
        )
        series = (
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) "
            if engine.dialect.name == "sqlite"
            else ""
        )
        source = "s" if engine.dialect.name == "sqlite" else "generate_series(1, :n) AS s(i)"
        first, low = escrows[0], escrows[0]
        assert escrows == list(range(low, low + 100))
        params = {"n": entries, "base": base, "hot": hot, "first": first, "ts": stamp}
        session.execute(
            sa.text(
                f"{series}INSERT INTO ledger_postings "
                "(entry_id, leg, account_id, currency, amount, effective_at) "
                f"SELECT :base + i, 1, :hot, 'CNY', 100, :ts FROM {source}"
            ),
            params,
        )
        session.execute(
            sa.text(
                f"{series}INSERT INTO ledger_postings "
                "(entry_id, leg, account_id, currency, amount, effective_at) "
                f"SELECT :base + i, 2, :first + (i % 100), 'CNY', -100, :ts FROM {source}"
            ),
            params,
        )
        session.execute(
            sa.text(
                f"{series}INSERT INTO ledger_entries (id, idempotency_key, request_hash, "
                "description, effective_at, recorded_at, posting_count, metadata) "
                f"SELECT :base + i, 'history-' || i, '', 'history', :ts, :ts, 2, '{{}}' "
                f"FROM {source}"
            ),
            params,
        )
        session.execute(
            sa.text(
                "UPDATE ledger_accounts SET debits_posted = debits_posted + :t WHERE id = :hot"
            ),
            {"t": 100 * entries, "hot": hot},
        )
        session.execute(
            sa.text(
                "UPDATE ledger_accounts SET credits_posted = credits_posted + :t "
                "WHERE id >= :first AND id < :first + 100"
            ),
            {"t": 100 * (entries // 100), "first": first},
        )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    engine.dispose()


def reads(url: str) -> dict[str, float]:
    """Milliseconds: trial balance (stored and re-derived) and balance reads on the hot account."""
    engine = make_engine(url)
    sessions = sessionmaker(engine)
    figures = {}
    with sessions() as session:
        for label, call in (
            ("trial balance, stored totals", lambda: trial_balance(session)),
            (
                "trial balance, re-derived from postings",
                lambda: trial_balance(session, source="postings"),
            ),
            (
                "current balance of the hot account",
                lambda: balance(session, "assets:stripe_clearing", "CNY"),
            ),
            (
                "as-of balance (yesterday) of the hot account",
                lambda: balance_as_of(
                    session, "assets:stripe_clearing", "CNY", datetime.now(UTC) - timedelta(days=1)
                ),
            ),
        ):
            times = []
            for _ in range(3 if "trial" in label and "postings" in label else 50):
                began = time.perf_counter()
                call()
                times.append((time.perf_counter() - began) * 1000)
            figures[label] = statistics.median(times)
    engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", default=default_postgres_url())
    parser.add_argument("--quick", action="store_true", help="short runs, 100k postings")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument(
        "--only", nargs="*", choices=CASES, default=list(CASES), help="run only these cases"
    )
    args = parser.parse_args()
    only = set(args.only)
    runs = args.runs or (1 if args.quick else 3)
    single_count = 1_000 if args.quick else 4_000
    batch_count = 10_000 if args.quick else 50_000
    history = 100_000 if args.quick else 1_000_000
    databases = Databases(args.postgres_url, prepare, "ledger")
    kinds = ["sqlite"] + (["postgresql"] if args.postgres_url else [])
    print(f"ledger bench: {runs} run(s) per case, medians; 3-leg entries; {load_average()}")
    try:
        if "single" in only:
            rate = median_rate(databases, "sqlite", runs, lambda u: single(u, single_count, 1))
            print(f"  sqlite      one entry per transaction, 1 writer   : {rate:>9,.0f} entries/s")
        if "single" in only and "postgresql" in kinds:
            rate = median_rate(databases, "postgresql", runs, lambda u: single(u, single_count, 2))
            print(f"  postgresql  one entry per transaction, 2 writers  : {rate:>9,.0f} entries/s")
        for kind in kinds if "batched" in only else ():
            rate = median_rate(databases, kind, runs, lambda u: batched(u, batch_count))
            print(f"  {kind:<10}  batched, 1,000 entries per transaction : {rate:>9,.0f} entries/s")
        if "pgbench" in only and "postgresql" in kinds:
            for label, tps in pgbench(args.postgres_url, 5 if args.quick else 10).items():
                print(f"  pgbench -c 2 -j 2, {label:<20}      : {tps:>9,.0f} TPS")
        for kind in kinds if "reads" in only else ():
            url = databases.new(kind)
            began = time.perf_counter()
            load_history(url, history)
            print(
                f"  {kind:<10}  history: {history:,} entries / {2 * history:,} postings "
                f"({history:,} on the hot account) loaded in {time.perf_counter() - began:.1f} s"
            )
            for label, ms in reads(url).items():
                print(f"  {kind:<10}    {label:<45}: {ms:>9.2f} ms")
    finally:
        databases.close()


if __name__ == "__main__":
    main()
