"""Two OS processes posting to the same hot accounts at once: exact balances, no duplicates.

Both processes post the *same* payment keys (as two app processes would on a redelivered
webhook) plus their own fee entries, each unit of work twice (a retry after a lost commit), and
rely on ``run_in_transaction`` for deadlocks, serialization failures and key races.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

import ledger
from ledger import credit, debit, errors
from ledger.reads import balance, trial_balance
from ledger.verify import verify
from tests.ledger.conftest import ledger_engine
from tests.ledger.helpers import escrow, payable

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 60

WORKER = """
import json, sys, time
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker
import ledger
from ledger import credit, debit

url, worker, rounds, start_at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
engine = sa.create_engine(url)
ledger.configure_sqlite(engine, begin="BEGIN IMMEDIATE")
sessions = sessionmaker(engine)
calls = 0

def unit(i):
    def work(session):
        global calls
        calls += 1
        order = f"liabilities:escrow:order:{i % 5}"
        # Shared key: both processes post this very entry.
        ledger.post(session, f"pay:{i}", [debit("assets:stripe_clearing", 1000 + i, "CNY"),
                                         credit(order, 1000 + i, "CNY")])
        # Own keys, touching the hot accounts in another order.
        ledger.post(session, f"fee:{worker}:{i}", [debit("expenses:payment_fees", 7, "CNY"),
                                                  credit("assets:stripe_clearing", 7, "CNY")])
        ledger.post(session, f"cut:{worker}:{i}", [debit(order, 3, "CNY"),
                                                  credit("revenue:platform_fees", 3, "CNY")])
    return work

time.sleep(max(0.0, start_at - time.time()))
for i in range(rounds):
    ledger.run_in_transaction(sessions, unit(i), attempts=30)
    ledger.run_in_transaction(sessions, unit(i), attempts=30)  # the retry after a lost reply
engine.dispose()
print(json.dumps({"calls": calls}))
"""


def test_two_processes_on_the_same_accounts(database_url):
    engine = ledger_engine(database_url)
    started = time.time() + 2.0
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, database_url, str(worker), str(ROUNDS), str(started)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in (1, 2)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]
    for process, (_, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
    calls = [json.loads(out)["calls"] for out, _ in outputs]
    assert all(c >= 2 * ROUNDS for c in calls)

    with sessionmaker(engine)() as session:
        keys = session.execute(sa.text("SELECT idempotency_key FROM ledger_entries")).scalars()
        keys = list(keys)
        assert len(keys) == len(set(keys)) == ROUNDS * 5
        payments = sum(1000 + i for i in range(ROUNDS))
        assert balance(session, "assets:stripe_clearing", "CNY").posted == payments - 7 * 2 * ROUNDS
        assert balance(session, "revenue:platform_fees", "CNY").posted == 3 * 2 * ROUNDS
        assert balance(session, "expenses:payment_fees", "CNY").posted == 7 * 2 * ROUNDS
        escrows = sum(
            balance(session, f"liabilities:escrow:order:{k}", "CNY").posted for k in range(5)
        )
        assert escrows == payments - 3 * 2 * ROUNDS
        assert trial_balance(session).balanced
        report = verify(session)
        assert report.ok, report.format()
    engine.dispose()


def test_a_limit_crossed_by_a_concurrent_writer_is_refused(sessions):
    """Writer B checks the escrow while A's payout is uncommitted; the database has the last
    word, and the retry turns it into a clean ``LimitExceeded``."""
    with sessions.begin() as session:
        ledger.post(
            session, "pay", [debit("assets:bank", 100, "CNY"), credit(escrow(1), 100, "CNY")]
        )
    payout = [debit(escrow(1), 100, "CNY"), credit(payable(1), 100, "CNY")]
    a_posted = threading.Event()
    outcome: list[BaseException | None] = []

    def writer_b():
        a_posted.wait()
        try:
            ledger.run_in_transaction(sessions, lambda s: ledger.post(s, "b", payout))
            outcome.append(None)
        except BaseException as exc:  # reported to the main thread
            outcome.append(exc)

    thread = threading.Thread(target=writer_b)
    thread.start()
    with sessions.begin() as session:
        ledger.post(session, "a", payout)
        a_posted.set()
        time.sleep(0.5)  # B reads the committed balance (100) and then waits for A
    thread.join(timeout=30)

    assert len(outcome) == 1 and isinstance(outcome[0], errors.LimitExceeded)
    with sessions() as session:
        assert balance(session, escrow(1), "CNY").posted == 0
        assert verify(session).ok
