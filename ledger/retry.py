"""Running a unit of work again when the database asks for it.

PostgreSQL aborts one side of a deadlock (40P01) and of a serialization conflict (40001);
SQLite answers ``database is locked`` when another writer holds the file too long. In each case
the whole unit of work is safe to run again: its ledger writes carry idempotency keys, so work
that did commit before a lost connection is replayed, not repeated.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ledger.errors import LedgerError

T = TypeVar("T")

RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
# Unique constraints two writers can race on; the loser's retry finds the winner's row.
RACE_CONSTRAINTS = (
    "uq_ledger_entries_idempotency_key",
    "uq_ledger_entries_reverses_entry_id",
    "uq_ledger_entries_hold_id",
    "uq_ledger_holds_idempotency_key",
    "uq_ledger_accounts_code_currency",
    "pk_ledger_chain_links",
    "pk_ledger_chain_queue",
    "ledger_entries.idempotency_key",
    "ledger_entries.reverses_entry_id",
    "ledger_entries.hold_id",
    "ledger_holds.idempotency_key",
    "ledger_chain_links.seq",
)


def is_retryable(exc: BaseException) -> bool:
    """True if ``exc`` (or its cause) is a conflict that a fresh transaction can get past."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, LedgerError):
            if current.retryable:
                return True
        elif isinstance(current, DBAPIError):
            if _retryable_driver_error(current.orig):
                return True
        elif _retryable_driver_error(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _retryable_driver_error(error: BaseException | None) -> bool:
    if error is None:
        return False
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    message = str(error)
    if sqlstate == "23505" or isinstance(error, sqlite3.IntegrityError):
        diag = getattr(error, "diag", None)
        constraint = getattr(diag, "constraint_name", None) or message
        return any(name in constraint for name in RACE_CONSTRAINTS)
    if isinstance(error, sqlite3.OperationalError):
        return "database is locked" in message or "database table is locked" in message
    return False


def run_in_transaction(
    session_factory: Callable[[], Session],
    work: Callable[[Session], T],
    *,
    attempts: int = 8,
    base_delay: float = 0.005,
    max_delay: float = 0.5,
) -> T:
    """Run ``work(session)`` in a new session and transaction, committing once at the end.

    On a retryable conflict (see ``is_retryable``) the transaction is rolled back and the work
    runs again in a new one, after a jittered exponential back-off, up to ``attempts`` times.
    ``work`` must be safe to repeat: give every ledger write the same idempotency key each time.
    """
    for attempt in range(1, attempts + 1):
        try:
            with session_factory() as session, session.begin():
                return work(session)
        except Exception as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
        time.sleep(random.uniform(0, min(max_delay, base_delay * 2**attempt)))
    raise AssertionError("unreachable")
