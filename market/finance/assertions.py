"""Daily balance assertions (每日餘額核對): for every day and every reconciled account — Stripe's
balance in each currency, each of the exchange's bank accounts — the statement's balance at the
end of the day (UTC+8) against the ledger's, and the open items that explain the difference.

An *item* is one movement seen on one side or both: a statement line (a Stripe charge or refund,
a bank line) and what the ledger booked for it, or a ledger movement no statement has shown yet
(a card payment Stripe has not reported, a bank receipt finance recorded before the statement
came). Each side has the day it counts from, ``None`` when it has not happened::

    item open at the end of D  ⇔  exactly one side counted by D, or both with different amounts
    explained(D)               =  Σ statement amounts counted by D − Σ ledger amounts counted by D
    the day is clean           ⇔  statement(D) − ledger(D) = explained(D)

So open items carry forward by construction: what is open at the end of a day is what was open
the day before, plus what opened, minus what cleared (its other side arrived). A difference the
open items do not explain opens a ``balance_difference`` exception; finance may accept it with
a reason (the exception is marked), which the day's status then shows.

Stripe lines that book themselves on import (fees, payouts, chargebacks, conversions) count on
both sides at once and are never items; a charge Stripe converted counts in the currency the
customer paid, where the conversion moved it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

import ledger
from ledger.errors import AccountNotFound
from market.errors import InvalidInput, NotFound
from market.finance import cash
from market.finance.inputs import coded_money
from market.finance.models import (
    AssertionStatus,
    BalanceAssertion,
    BankAccount,
    BankLine,
    BankStatement,
    ExceptionStatus,
    ItemState,
    Match,
    ReconException,
    StripeBalanceTransaction,
)
from market.finance.payouts import CHINA_STANDARD_TIME, value_moment
from market.text import N_
from market.trading import books
from market.trading.models import (
    Payment,
    PaymentMethod,
    PaymentStatus,
    Payout,
    PayoutStatus,
    Refund,
    RefundStatus,
    RefundTransferStatus,
)

KIND = "balance_difference"
# Days one computation may cover: each day reads the ledger once and walks the open items, in
# one transaction that holds the database (SQLite) while it runs.
MAX_DAYS = 366
STRIPE = "stripe"
BOOKED_BY_TRADING = ("charge", "refund")


def day_of(moment: datetime) -> date:
    """The bank's day (UTC+8) a moment falls on."""
    return moment.astimezone(CHINA_STANDARD_TIME).date()


def end_of(day: date) -> datetime:
    """The last moment of a day (UTC+8)."""
    return value_moment(day + timedelta(days=1)) - timedelta(microseconds=1)


@dataclass(frozen=True)
class Item:
    """One movement on a reconciled account, with the day and amount each side counts it."""

    kind: str
    ref: str
    statement_day: date | None
    statement_minor: int
    ledger_day: date | None
    ledger_minor: int
    archived: bool = False

    def open_at(self, day: date) -> bool:
        """Open at the end of ``day``: one side counted and not the other, or both with
        different amounts."""
        stated = self.statement_day is not None and self.statement_day <= day
        booked = self.ledger_day is not None and self.ledger_day <= day
        if stated and booked:
            return self.statement_minor != self.ledger_minor
        return stated or booked

    def explains_at(self, day: date) -> int:
        """What the item adds to statement − ledger at the end of ``day``."""
        stated = self.statement_day is not None and self.statement_day <= day
        booked = self.ledger_day is not None and self.ledger_day <= day
        return (self.statement_minor if stated else 0) - (self.ledger_minor if booked else 0)

    def as_dict(self) -> dict:
        """For the API and the pages."""
        return {
            "kind": self.kind, "ref": self.ref, "statement_day": self.statement_day,
            "statement_minor": self.statement_minor, "ledger_day": self.ledger_day,
            "ledger_minor": self.ledger_minor, "archived": self.archived,
        }  # fmt: skip


@dataclass(frozen=True)
class Reconciled:
    """One account in one currency: its key, label, ledger code and how to read it."""

    key: str
    label: str
    ledger_account: str
    currency: str
    first: date
    last: date


# --- What each side holds ---------------------------------------------------------------------


def _target_days(session: Session, matches: list) -> dict[tuple[str, int], date | None]:
    """The day the ledger booked each payment, refund or returned payout a match points to."""
    ids = defaultdict(set)
    for match in matches:
        ids[match.target_kind].add(match.target_id)
    days: dict[tuple[str, int], date | None] = {}
    for model, kind in ((Payment, "payment"), (Refund, "refund")):
        for row_id, completed in session.execute(
            sa.select(model.id, model.completed_at).where(model.id.in_(ids.get(kind, ())))
        ):
            days[kind, row_id] = day_of(completed) if completed else None
    for (row_id,) in session.execute(
        sa.select(Refund.id).where(
            Refund.id.in_(ids.get("refund", ())), Refund.transfer_status.is_not(None)
        )
    ):
        # A refund sent by transfer reaches the bank account on the line's own value date.
        days["refund", row_id] = None
    for row_id, status, value_date in session.execute(
        sa.select(Payout.id, Payout.status, Payout.value_date).where(
            Payout.id.in_(ids.get("payout", ()))
        )
    ):
        # A returned payout never touches the bank account in the ledger: the money that left
        # is explained until the day it came back.
        days["payout", row_id] = value_date if status == PayoutStatus.RETURNED else None
    return days


def _line_items(session: Session, lines: list, matches_of: dict, corrected: dict) -> list[Item]:
    """Items for statement lines: ``lines`` are (kind, id, ref, day, amount, state, sign)."""
    all_matches = [m for found in matches_of.values() for m in found]
    targets = _target_days(session, all_matches)
    items = []
    for kind, line_id, ref, day, amount, state in lines:
        found = matches_of.get(line_id, [])
        if state == ItemState.ARCHIVED:
            items.append(Item(kind, ref, day, amount, None, 0, archived=True))
        elif found:
            sign = -1 if amount < 0 else 1
            difference = sum(m.difference_minor for m in found)
            booked = []
            for match in found:
                target_day = targets.get((match.target_kind, match.target_id))
                if match.target_kind == "payout" and amount > 0:
                    target_day = None  # the money back itself: the ledger books it that day
                booked.append(target_day or day)
            items.append(Item(kind, ref, day, amount, max(booked), amount - sign * difference))
        elif state == ItemState.RECONCILED and line_id in corrected:
            items.append(Item(kind, ref, day, amount, corrected[line_id], amount))
        elif state == ItemState.RECONCILED:
            continue
        else:
            items.append(Item(kind, ref, day, amount, None, 0))
    return items


def _corrected(session: Session, column) -> dict[int, date]:
    """Lines resolved by an approved correcting entry: the day the entry was posted."""
    return {
        line_id: day_of(at)
        for line_id, at in session.execute(
            sa.select(column, ReconException.resolved_at).where(
                ReconException.resolution == "corrected", column.is_not(None)
            )
        )
    }


def stripe_items(session: Session, currency: str) -> list[Item]:
    """Stripe charges and refunds against the card payments and refunds trading booked."""
    bt = StripeBalanceTransaction
    facing = sa.func.coalesce(bt.customer_facing_currency, bt.currency)
    lines = session.execute(
        sa.select(
            bt.id, bt.stripe_id, bt.created, bt.amount, bt.currency, bt.customer_facing_amount,
            bt.customer_facing_currency, bt.state,
        ).where(bt.reporting_category.in_(BOOKED_BY_TRADING), facing == currency)
    ).all()  # fmt: skip
    rows = []
    for line_id, ref, created, amount, _cur, facing_amount, facing_currency, state in lines:
        if facing_currency and facing_currency != _cur:
            amount = facing_amount if amount >= 0 else -abs(facing_amount or 0)
        rows.append(("stripe_line", line_id, ref, day_of(created), amount, state))
    matches_of = defaultdict(list)
    line_ids = [row[1] for row in rows]
    for match in session.scalars(sa.select(Match).where(Match.stripe_line_id.in_(line_ids))):
        matches_of[match.stripe_line_id].append(match)
    items = _line_items(
        session, rows, matches_of, _corrected(session, ReconException.stripe_line_id)
    )
    matched = sa.select(Match.target_id).where(Match.stripe_line_id.is_not(None))
    for payment_id, amount, completed in session.execute(
        sa.select(Payment.id, Payment.amount_minor, Payment.completed_at).where(
            Payment.method == PaymentMethod.STRIPE,
            Payment.status.in_((PaymentStatus.SUCCEEDED, PaymentStatus.HELD)),
            Payment.currency == currency,
            Payment.completed_at.is_not(None),
            Payment.id.not_in(matched.where(Match.target_kind == "payment")),
        )
    ):
        items.append(Item("payment", f"payment:{payment_id}", None, 0, day_of(completed), amount))
    for refund_id, amount, completed in session.execute(
        sa.select(Refund.id, Refund.amount_minor, Refund.completed_at).where(
            Refund.method == PaymentMethod.STRIPE,
            Refund.status == RefundStatus.SUCCEEDED,
            Refund.currency == currency,
            Refund.completed_at.is_not(None),
            Refund.id.not_in(matched.where(Match.target_kind == "refund")),
        )
    ):
        items.append(Item("refund", f"refund:{refund_id}", None, 0, day_of(completed), -amount))
    return items


def bank_items(session: Session, account: BankAccount) -> list[Item]:
    """The account's statement lines against the receipts, refunds and payouts booked on it."""
    lines = session.execute(
        sa.select(
            BankLine.id, BankLine.bank_reference, BankLine.value_date, BankLine.amount_minor,
            BankLine.state,
        ).where(BankLine.bank_account_id == account.id)
    ).all()  # fmt: skip
    rows = [("bank_line", i, ref, day, amount, state) for i, ref, day, amount, state in lines]
    matches_of = defaultdict(list)
    for match in session.scalars(
        sa.select(Match).join(BankLine, BankLine.id == Match.bank_line_id)
        .where(BankLine.bank_account_id == account.id)
    ):  # fmt: skip
        matches_of[match.bank_line_id].append(match)
    items = _line_items(session, rows, matches_of, _corrected(session, ReconException.bank_line_id))
    # What trading and payouts booked on the bank account's ledger code that no bank line has
    # matched: each names the bank account its money went through.
    code = account.ledger_account
    matched = sa.select(Match.target_id).where(Match.bank_line_id.is_not(None))
    for payment_id, amount, completed in session.execute(
        sa.select(Payment.id, Payment.amount_minor, Payment.completed_at).where(
            Payment.method == PaymentMethod.BANK_TRANSFER,
            Payment.status.in_((PaymentStatus.SUCCEEDED, PaymentStatus.HELD)),
            Payment.currency == account.currency,
            Payment.completed_at.is_not(None),
            Payment.id.not_in(matched.where(Match.target_kind == "payment")),
            cash.booked_on(Payment.bank_account_id, code),
        )
    ):
        items.append(Item("payment", f"payment:{payment_id}", None, 0, day_of(completed), amount))
    for refund_id, amount, completed in session.execute(
        sa.select(Refund.id, Refund.amount_minor, Refund.completed_at).where(
            Refund.method == PaymentMethod.BANK_TRANSFER,
            cash.booked_on(Refund.bank_account_id, code),
            Refund.status == RefundStatus.SUCCEEDED,
            # Booked straight to the bank when decided (before refunds were followed as
            # transfers); a transfer reaches the bank account only once paid, below.
            Refund.transfer_status.is_(None),
            Refund.currency == account.currency,
            Refund.completed_at.is_not(None),
            Refund.id.not_in(matched.where(Match.target_kind == "refund")),
        )
    ):
        items.append(Item("refund", f"refund:{refund_id}", None, 0, day_of(completed), -amount))
    for refund_id, amount, value_date in session.execute(
        sa.select(Refund.id, Refund.amount_minor, Refund.value_date).where(
            Refund.transfer_status == RefundTransferStatus.PAID,
            Refund.currency == account.currency,
            cash.booked_on(Refund.bank_account_id, code),
            Refund.value_date.is_not(None),
            Refund.id.not_in(matched.where(Match.target_kind == "refund")),
        )
    ):
        items.append(Item("refund", f"refund:{refund_id}", None, 0, value_date, -amount))
    for payout_id, amount, value_date in session.execute(
        sa.select(Payout.id, Payout.amount_minor, Payout.value_date).where(
            Payout.status == PayoutStatus.PAID,
            Payout.method == PaymentMethod.BANK_TRANSFER,
            Payout.currency == account.currency,
            cash.payouts_booked_on(code),
            Payout.value_date.is_not(None),
            Payout.id.not_in(matched.where(Match.target_kind == "payout")),
        )
    ):
        items.append(Item("payout", f"payout:{payout_id}", None, 0, value_date, -amount))
    return items


# --- The accounts and their statement balances ------------------------------------------------


def reconciled_accounts(session: Session) -> list[Reconciled]:
    """Every account with something to assert: Stripe per currency from its first line to its
    last, each bank account over the days its statements cover."""
    found = []
    bt = StripeBalanceTransaction
    for currency, first, last in session.execute(
        sa.select(bt.currency, sa.func.min(bt.created), sa.func.max(bt.created)).group_by(
            bt.currency
        )
    ):
        found.append(
            Reconciled(STRIPE, "Stripe", books.STRIPE_CLEARING, currency.upper(),
                       day_of(first), day_of(last))
        )  # fmt: skip
    for account, first, last in session.execute(
        sa.select(
            BankAccount, sa.func.min(BankStatement.period_start),
            sa.func.max(BankStatement.period_end),
        ).join(BankStatement, BankStatement.bank_account_id == BankAccount.id)
        .group_by(BankAccount.id).order_by(BankAccount.id)
    ):  # fmt: skip
        found.append(
            Reconciled(f"bank:{account.id}", account.name, account.ledger_account,
                       account.currency, first, last)
        )  # fmt: skip
    return found


def _statement_days(session: Session, target: Reconciled) -> tuple[int, dict[date, int]]:
    """The balance before the first day and each day's movement on the statement."""
    moves: dict[date, int] = defaultdict(int)
    if target.key == STRIPE:
        bt = StripeBalanceTransaction
        for created, net in session.execute(
            sa.select(bt.created, bt.net).where(bt.currency == target.currency)
        ):
            moves[day_of(created)] += net
        return 0, moves
    account_id = int(target.key.split(":")[1])
    opening = session.scalar(
        sa.select(BankStatement.opening_minor)
        .where(BankStatement.bank_account_id == account_id)
        .order_by(BankStatement.period_start, BankStatement.id)
        .limit(1)
    )
    for day, total in session.execute(
        sa.select(BankLine.value_date, sa.func.sum(BankLine.amount_minor))
        .where(BankLine.bank_account_id == account_id)
        .group_by(BankLine.value_date)
    ):
        moves[day] += int(total)
    return opening or 0, moves


def items_of(session: Session, target: Reconciled) -> list[Item]:
    """The items of one reconciled account."""
    if target.key == STRIPE:
        return stripe_items(session, target.currency)
    return bank_items(session, session.get(BankAccount, int(target.key.split(":")[1])))


def ledger_balance(session: Session, target: Reconciled, day: date) -> int:
    """The ledger's balance of the account at the end of ``day`` (UTC+8); 0 if never used."""
    try:
        return ledger.balance_as_of(session, target.ledger_account, target.currency, end_of(day))
    except AccountNotFound:
        return 0


# --- Asserting ---------------------------------------------------------------------------------


def compute(
    session: Session, now: datetime, start: date | None = None, end: date | None = None
) -> list[BalanceAssertion]:
    """Assert every reconciled account for every day it has a statement for (within
    ``[start, end]``), keep one row per account and day (replacing an earlier computation), and
    keep a ``balance_difference`` exception open for each day the open items do not explain."""
    targets = reconciled_accounts(session)
    start, end = _bounded_range(targets, start, end)
    rows = []
    for target in targets:
        first = max(target.first, start) if start else target.first
        last = min(target.last, end) if end else target.last
        if first > last:
            continue
        items = items_of(session, target)
        opening, moves = _statement_days(session, target)
        balance = opening + sum(amount for day, amount in moves.items() if day < first)
        day = first
        while day <= last:
            balance += moves.get(day, 0)
            rows.append(_assert_day(session, target, day, balance, items, now))
            day += timedelta(days=1)
    session.flush()
    for row in rows:
        _keep_exception(session, row, now)
    return rows


def _bounded_range(
    targets: list[Reconciled], start: date | None, end: date | None
) -> tuple[date | None, date | None]:
    """The days one computation covers: at most ``MAX_DAYS``. Without a start, the last
    ``MAX_DAYS`` the statements cover; a range given wider than that is refused, however
    few of its days the statements cover (the limit is on what is asked)."""
    if start is not None and end is not None and (end - start).days >= MAX_DAYS:
        raise _too_wide()
    if not targets:
        return start, end
    first = max(min(t.first for t in targets), start) if start else min(t.first for t in targets)
    last = min(max(t.last for t in targets), end) if end else max(t.last for t in targets)
    if (last - first).days < MAX_DAYS:
        return start, end
    if start is None:
        return last - timedelta(days=MAX_DAYS - 1), end
    raise _too_wide()


def _too_wide() -> InvalidInput:
    return InvalidInput(
        N_("Balances are asserted at most 366 days at a time: give an end closer to the start."),
        field="end",
        max_days=MAX_DAYS,
    )


def _assert_day(
    session: Session, target: Reconciled, day: date, statement: int, items: list[Item],
    now: datetime,
) -> BalanceAssertion:  # fmt: skip
    booked = ledger_balance(session, target, day)
    before = day - timedelta(days=1)
    carried = sum(1 for item in items if item.open_at(before))
    open_now = [item for item in items if item.open_at(day)]
    opened = sum(1 for item in open_now if not item.open_at(before))
    explained = sum(item.explains_at(day) for item in items)
    difference = statement - booked
    unexplained = difference - explained
    if unexplained:
        status = AssertionStatus.DIFFERS
    else:
        status = AssertionStatus.EXPLAINED if open_now or difference else AssertionStatus.AGREES
    row = session.scalar(
        sa.select(BalanceAssertion).where(
            BalanceAssertion.account_key == target.key,
            BalanceAssertion.currency == target.currency,
            BalanceAssertion.day == day,
        )
    )
    if row is None:
        row = BalanceAssertion(account_key=target.key, currency=target.currency, day=day)
        session.add(row)
    row.label, row.ledger_account = target.label, target.ledger_account
    row.statement_minor, row.ledger_minor, row.difference_minor = statement, booked, difference
    row.open_minor, row.unexplained_minor = explained, unexplained
    row.carried_count, row.opened_count = carried, opened
    row.cleared_count, row.open_count = carried + opened - len(open_now), len(open_now)
    row.status, row.computed_at = status, now
    return row


def _keep_exception(session: Session, row: BalanceAssertion, now: datetime) -> None:
    """One open exception per unexplained day; an accepted one (marked with a reason for the
    same amount) makes the day ``accepted``; a day that is clean again closes its exception."""
    exceptions = session.scalars(
        sa.select(ReconException)
        .where(ReconException.assertion_id == row.id)
        .order_by(ReconException.id.desc())
    ).all()
    current = next((e for e in exceptions if e.status == ExceptionStatus.OPEN), None)
    if row.status != AssertionStatus.DIFFERS:
        if current is not None:
            current.status, current.resolution, current.resolved_at = (
                ExceptionStatus.RESOLVED, "explained", now,
            )  # fmt: skip
        return
    accepted = next(
        (e for e in exceptions if e.resolution == "marked"
         and e.amount_minor == row.unexplained_minor), None,
    )  # fmt: skip
    if accepted is not None:
        row.status = AssertionStatus.ACCEPTED
        if current is not None:
            current.status, current.resolution, current.resolved_at = (
                ExceptionStatus.RESOLVED, "marked", now,
            )  # fmt: skip
        return

    def shown(minor: int) -> str:
        return coded_money(minor, row.currency)

    detail = (
        f"{row.label} {row.day}: statement {shown(row.statement_minor)}, ledger "
        f"{shown(row.ledger_minor)}, open items {shown(row.open_minor)}, unexplained "
        f"{shown(row.unexplained_minor)}"
    )
    if current is not None:
        current.amount_minor, current.detail = row.unexplained_minor, detail[:500]
        return
    session.add(
        ReconException(
            kind=KIND, status=ExceptionStatus.OPEN, assertion_id=row.id,
            amount_minor=row.unexplained_minor, currency=row.currency, detail=detail[:500],
            candidates=[], opened_at=now,
        )
    )  # fmt: skip


def listing(
    account_key: str | None = None,
    status: AssertionStatus | None = None,
    start: date | None = None,
    end: date | None = None,
) -> sa.Select:
    """Stored assertions, newest day first, optionally narrowed."""
    query = sa.select(BalanceAssertion).order_by(
        BalanceAssertion.day.desc(), BalanceAssertion.account_key, BalanceAssertion.currency
    )
    if account_key:
        query = query.where(BalanceAssertion.account_key == account_key)
    if status:
        query = query.where(BalanceAssertion.status == status)
    if start:
        query = query.where(BalanceAssertion.day >= start)
    if end:
        query = query.where(BalanceAssertion.day <= end)
    return query


def open_items(session: Session, row: BalanceAssertion) -> list[Item]:
    """The items open at the end of the assertion's day."""
    target = Reconciled(row.account_key, row.label, row.ledger_account, row.currency,
                        row.day, row.day)  # fmt: skip
    return [item for item in items_of(session, target) if item.open_at(row.day)]


def assertion_or_404(session: Session, assertion_id: int) -> BalanceAssertion:
    """A stored assertion."""
    row = session.get(BalanceAssertion, assertion_id)
    if row is None:
        raise NotFound(N_("No such balance assertion."))
    return row
