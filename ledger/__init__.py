"""Shujiao's double-entry ledger (複式記帳): a library that takes a SQLAlchemy session.

Money model, invariants and API: ``docs/ledger.md``. The caller owns the transaction; nothing
in this package commits. It imports no Flask and nothing from ``market`` or ``search``.
"""

from ledger.accounts import get_account, open_account
from ledger.chain import seal_chain, verify_chain
from ledger.chart import DEFAULT_CHART, AccountRule, Chart
from ledger.ddl import create_all, install
from ledger.engines import configure_sqlite
from ledger.entries import EntryRecord, EntryRequest, Leg, PostedLeg, credit, debit
from ledger.export import export_csv, export_xlsx
from ledger.holds import HoldRecord, expire_holds, get_hold, hold, post_hold, void_hold
from ledger.models import metadata
from ledger.periods import close_period, create_period, list_periods, request_close
from ledger.posting import post, post_many, reverse
from ledger.reads import (
    accounts_under,
    balance,
    balance_as_of,
    find_entry,
    get_entry,
    journal,
    statement,
    trial_balance,
)
from ledger.retry import is_retryable, run_in_transaction
from ledger.verify import Finding, Report  # the checker itself: ledger.verify.verify

__all__ = [
    "DEFAULT_CHART",
    "AccountRule",
    "Chart",
    "EntryRecord",
    "EntryRequest",
    "Finding",
    "HoldRecord",
    "Leg",
    "PostedLeg",
    "Report",
    "accounts_under",
    "balance",
    "balance_as_of",
    "close_period",
    "configure_sqlite",
    "create_all",
    "create_period",
    "credit",
    "debit",
    "expire_holds",
    "export_csv",
    "export_xlsx",
    "find_entry",
    "get_account",
    "get_entry",
    "get_hold",
    "hold",
    "install",
    "is_retryable",
    "journal",
    "list_periods",
    "request_close",
    "metadata",
    "open_account",
    "post",
    "post_hold",
    "post_many",
    "reverse",
    "run_in_transaction",
    "seal_chain",
    "statement",
    "trial_balance",
    "verify_chain",
    "void_hold",
]
