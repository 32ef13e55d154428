"""Reading the books: balances, statements, the trial balance and the journal.

A current balance is one row read (the stored totals), however long the account's history.
An as-of balance is the current balance minus the postings effective after the date, read from
the ``(account_id, effective_at)`` index, so recent dates are cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ledger.accounts import get_account
from ledger.entries import EntryRecord, PostedLeg, check_timestamp
from ledger.errors import EntryNotFound
from ledger.models import Account, accounts, entries, postings

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Balance:
    """Stored totals of one account. ``posted`` and ``available`` are on its normal side."""

    account: str
    currency: str
    normal_side: str
    debits_posted: int
    credits_posted: int
    debits_pending: int
    credits_pending: int

    @property
    def posted(self) -> int:
        """Balance of posted entries, positive on the account's normal side."""
        net = self.debits_posted - self.credits_posted
        return net if self.normal_side == "debit" else -net

    @property
    def available(self) -> int:
        """Posted balance less what pending holds would take out of it."""
        pending_out = self.credits_pending if self.normal_side == "debit" else self.debits_pending
        return self.posted - pending_out


def _sign(account: Account) -> int:
    return 1 if account.normal_side == "debit" else -1


def balance(session: Session, account: str, currency: str) -> Balance:
    """Current balance of ``account`` in ``currency`` from its stored totals (one row read)."""
    row = get_account(session, account, currency)
    return Balance(
        row.code,
        row.currency,
        row.normal_side,
        row.debits_posted,
        row.credits_posted,
        row.debits_pending,
        row.credits_pending,
    )


def balance_as_of(session: Session, account: str, currency: str, at: datetime) -> int:
    """Posted balance (normal side) counting only postings effective at or before ``at``."""
    check_timestamp(at, field="at")
    row = get_account(session, account, currency)
    later = session.execute(
        select(func.coalesce(func.sum(postings.c.amount), 0)).where(
            postings.c.account_id == row.id, postings.c.effective_at > at
        )
    ).scalar_one()
    return _sign(row) * (row.debits_posted - row.credits_posted - later)


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One posting on a statement, with the running balance after it (normal side)."""

    entry_id: int
    leg: int
    effective_at: datetime
    description: str
    debit: int
    credit: int
    balance: int


@dataclass(frozen=True, slots=True)
class Statement:
    """An account's postings effective in ``[start, end)`` with opening and closing balances."""

    account: str
    currency: str
    start: datetime | None
    end: datetime | None
    opening: int
    closing: int
    lines: list[StatementLine] = field(default_factory=list)


def statement(
    session: Session,
    account: str,
    currency: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Statement:
    """The account statement (對賬單) for ``[start, end)``, in effective-date order."""
    row = get_account(session, account, currency)
    sign = _sign(row)
    opening = 0
    if start is not None:
        check_timestamp(start, field="start")
        opening = (
            sign
            * session.execute(
                select(func.coalesce(func.sum(postings.c.amount), 0)).where(
                    postings.c.account_id == row.id, postings.c.effective_at < start
                )
            ).scalar_one()
        )
    query = (
        select(
            postings.c.entry_id,
            postings.c.leg,
            postings.c.effective_at,
            entries.c.description,
            postings.c.amount,
        )
        .join(entries, entries.c.id == postings.c.entry_id)
        .where(postings.c.account_id == row.id)
        .order_by(postings.c.effective_at, postings.c.entry_id, postings.c.leg)
    )
    if start is not None:
        query = query.where(postings.c.effective_at >= start)
    if end is not None:
        query = query.where(postings.c.effective_at < check_timestamp(end, field="end"))
    running = opening
    lines = []
    for entry_id, leg, effective_at, description, amount in session.execute(query):
        running += sign * amount
        lines.append(
            StatementLine(
                entry_id,
                leg,
                effective_at,
                description,
                max(amount, 0),
                max(-amount, 0),
                running,
            )
        )
    return Statement(row.code, row.currency, start, end, opening, running, lines)


@dataclass(frozen=True, slots=True)
class TrialBalanceRow:
    """An account's net balance, shown in the debit or the credit column."""

    account: str
    currency: str
    type: str
    debit: int
    credit: int


@dataclass(frozen=True, slots=True)
class TrialBalance:
    """The trial balance (試算表): per currency, total debits must equal total credits."""

    rows: list[TrialBalanceRow]
    totals: dict[str, tuple[int, int]]

    @property
    def balanced(self) -> bool:
        """True when debits equal credits in every currency."""
        return all(debit == credit for debit, credit in self.totals.values())

    def format(self) -> str:
        """Plain-text table for the CLI (``shujiao ledger trial-balance``)."""
        width = max([len(r.account) for r in self.rows] + [7])
        lines = [f"{'account':<{width}}  cur  {'debit':>18}  {'credit':>18}"]
        for r in self.rows:
            lines.append(f"{r.account:<{width}}  {r.currency}  {r.debit:>18}  {r.credit:>18}")
        for currency, (debit, credit) in sorted(self.totals.items()):
            mark = "ok" if debit == credit else f"OFF BY {debit - credit}"
            lines.append(f"{'total':<{width}}  {currency}  {debit:>18}  {credit:>18}  {mark}")
        return "\n".join(lines)


def trial_balance(
    session: Session, *, as_of: datetime | None = None, source: str = "stored"
) -> TrialBalance:
    """Trial balance of every account, per currency.

    ``source="stored"`` reads the accounts' stored totals (fast, the current state);
    ``source="postings"`` (or any ``as_of``) re-derives it from the postings themselves.
    """
    if as_of is not None or source == "postings":
        # Aggregate the postings by account first (one pass), then attach the account names.
        per_account = select(postings.c.account_id, func.sum(postings.c.amount).label("net"))
        if as_of is not None:
            per_account = per_account.where(
                postings.c.effective_at <= check_timestamp(as_of, field="as_of")
            )
        net = per_account.group_by(postings.c.account_id).subquery()
        query = select(accounts.c.code, accounts.c.currency, accounts.c.type, net.c.net).join(
            net, net.c.account_id == accounts.c.id
        )
    else:
        query = select(
            accounts.c.code,
            accounts.c.currency,
            accounts.c.type,
            (accounts.c.debits_posted - accounts.c.credits_posted).label("net"),
        )
    rows: list[TrialBalanceRow] = []
    totals: dict[str, tuple[int, int]] = {}
    for code, currency, account_type, amount in session.execute(query.order_by(accounts.c.code)):
        amount = int(amount or 0)
        row = TrialBalanceRow(code, currency, account_type, max(amount, 0), max(-amount, 0))
        rows.append(row)
        debit, credit = totals.get(currency, (0, 0))
        totals[currency] = (debit + row.debit, credit + row.credit)
    rows.sort(key=lambda r: (r.currency, r.account))
    return TrialBalance(rows, totals)


@dataclass(frozen=True, slots=True)
class JournalLine:
    """One posting of the journal with its entry's fields, for exports."""

    entry_id: int
    key: str
    effective_at: datetime
    recorded_at: datetime
    description: str
    leg: int
    account: str
    currency: str
    debit: int
    credit: int
    reverses_entry_id: int | None
    metadata: dict[str, Any]


def journal(
    session: Session,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    batch: int = 2000,
) -> Iterator[JournalLine]:
    """Postings of entries effective in ``[start, end)``, by entry id then leg, streamed."""
    query = (
        select(
            entries.c.id,
            entries.c.idempotency_key,
            entries.c.effective_at,
            entries.c.recorded_at,
            entries.c.description,
            postings.c.leg,
            accounts.c.code,
            postings.c.currency,
            postings.c.amount,
            entries.c.reverses_entry_id,
            entries.c.metadata,
        )
        .join(postings, postings.c.entry_id == entries.c.id)
        .join(accounts, accounts.c.id == postings.c.account_id)
        .order_by(entries.c.id, postings.c.leg)
    )
    if start is not None:
        query = query.where(entries.c.effective_at >= check_timestamp(start, field="start"))
    if end is not None:
        query = query.where(entries.c.effective_at < check_timestamp(end, field="end"))
    result = session.execute(query.execution_options(yield_per=batch))
    for row in result:
        yield JournalLine(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            row[6],
            row[7],
            max(row[8], 0),
            max(-row[8], 0),
            row[9],
            dict(row[10] or {}),
        )


def accounts_under(session: Session, prefix: str) -> list[Balance]:
    """Balances of every account whose code starts with ``prefix`` (a subtree of the chart)."""
    prefix_match = case((accounts.c.code == prefix.rstrip(":"), True), else_=False)
    rows = session.execute(
        select(Account)
        .where((accounts.c.code.startswith(prefix, autoescape=True)) | prefix_match)
        .order_by(Account.code, Account.currency)
    ).scalars()
    return [
        Balance(
            a.code,
            a.currency,
            a.normal_side,
            a.debits_posted,
            a.credits_posted,
            a.debits_pending,
            a.credits_pending,
        )
        for a in rows
    ]


def load_entries(session: Session, ids: Iterable[int]) -> dict[int, EntryRecord]:
    """Stored entries with their postings, by id (missing ids are simply absent)."""
    wanted = sorted(set(ids))
    result: dict[int, EntryRecord] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        legs: dict[int, list[PostedLeg]] = {}
        rows = session.execute(
            select(postings.c.entry_id, postings.c.leg, accounts.c.code, postings.c.currency)
            .add_columns(postings.c.amount)
            .join(accounts, accounts.c.id == postings.c.account_id)
            .where(postings.c.entry_id.in_(chunk))
            .order_by(postings.c.entry_id, postings.c.leg)
        )
        for entry_id, leg, code, currency, amount in rows:
            legs.setdefault(entry_id, []).append(PostedLeg(leg, code, currency, amount))
        for row in session.execute(select(entries).where(entries.c.id.in_(chunk))):
            result[row.id] = EntryRecord(
                id=row.id,
                key=row.idempotency_key,
                description=row.description,
                effective_at=row.effective_at,
                recorded_at=row.recorded_at,
                metadata=dict(row.metadata or {}),
                postings=tuple(legs.get(row.id, ())),
                reverses_entry_id=row.reverses_entry_id,
                hold_id=row.hold_id,
            )
    return result


def get_entry(session: Session, entry_id: int) -> EntryRecord:
    """One stored entry; ``EntryNotFound`` if there is none with that id."""
    record = load_entries(session, [entry_id]).get(entry_id)
    if record is None:
        raise EntryNotFound(f"no entry {entry_id}", field="entry_id")
    return record


def find_entry(session: Session, key: str) -> EntryRecord | None:
    """The entry recorded under an idempotency key, if any."""
    entry_id = session.execute(
        select(entries.c.id).where(entries.c.idempotency_key == key)
    ).scalar()
    return None if entry_id is None else load_entries(session, [entry_id])[entry_id]
