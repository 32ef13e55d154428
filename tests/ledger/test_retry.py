"""run_in_transaction: one commit per unit of work, retried only on conflicts."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

import ledger
from ledger import errors
from ledger.reads import balance
from tests.ledger.helpers import CLEARING, capture


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (errors.ConcurrentWrite("lost a race"), True),
        (OperationalError("x", {}, psycopg.errors.DeadlockDetected("deadlock")), True),
        (OperationalError("x", {}, psycopg.errors.SerializationFailure("conflict")), True),
        (OperationalError("x", {}, sqlite3.OperationalError("database is locked")), True),
        (IntegrityError("x", {}, sqlite3.IntegrityError("CHECK constraint failed")), False),
        (errors.LimitExceeded("no"), False),
        (ValueError("bug"), False),
    ],
)
def test_what_is_retried(error, retryable):
    assert ledger.is_retryable(error) is retryable


def test_a_conflict_reruns_the_whole_unit_and_commits_once(sessions):
    calls = []

    def work(session):
        calls.append(1)
        capture(session, 1, 100, key="pay")
        if len(calls) == 1:
            raise errors.ConcurrentWrite("simulated lost race")
        return "done"

    assert ledger.run_in_transaction(sessions, work, base_delay=0) == "done"
    assert len(calls) == 2
    with sessions() as session:
        assert balance(session, CLEARING, "CNY").posted == 100


def test_other_errors_propagate_and_roll_back(sessions):
    def work(session):
        capture(session, 1, 100, key="pay")
        raise errors.LimitExceeded("refused")

    with pytest.raises(errors.LimitExceeded):
        ledger.run_in_transaction(sessions, work)
    with sessions() as session, pytest.raises(errors.AccountNotFound):
        balance(session, CLEARING, "CNY")
