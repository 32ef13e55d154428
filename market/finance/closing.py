"""The period close checklist (結賬檢查): what must be true before finance closes a period, shown
on the periods page and checked again by the close itself. A close with items still failing
takes a reason, kept in the audit trail with the failing checks.

| check | clear when |
| --- | --- |
| ``open_items`` | no Stripe or bank line of the period is still unmatched after ``CLOSE_OPEN_ITEM_DAYS`` |
| ``exceptions`` | no exception about the period is open |
| ``balances`` | every bank account's statements reach the period's last day, every day they cover is asserted, and none has a difference nothing explains (accepted ones are fine) |
| ``payout_batches`` | no payout batch has stayed ``submitted`` longer than ``CLOSE_SUBMITTED_BATCH_DAYS`` |
| ``corrections`` | no correcting entry waits for approval |
| ``trial_balance`` | debits equal credits in every currency at the period's end |
| ``ledger`` | the ledger verifier passes: entries balance, balances equal postings, escrow of settled orders is zero, the chain holds |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

import ledger
from ledger import reads
from ledger.periods import PeriodInfo
from ledger.verify import verify
from market.errors import Conflict, NotFound
from market.finance import assertions, audit
from market.finance.models import (
    AssertionStatus,
    BalanceAssertion,
    BankLine,
    Correction,
    ExceptionStatus,
    ItemState,
    ReconException,
    StripeBalanceTransaction,
)
from market.identity.models import User
from market.text import N_
from market.trading import books
from market.trading.models import Payment, PayoutBatch, PayoutBatchStatus

OPEN_STATES = (ItemState.UNRECONCILED, ItemState.PARTIAL)

CHECK_LABELS = {
    "open_items": N_("Statement lines matched in time"),
    "exceptions": N_("No open exceptions"),
    "balances": N_("Daily balances agree or are explained"),
    "payout_batches": N_("No payout batch stuck in submitted"),
    "corrections": N_("No correction waiting for approval"),
    "trial_balance": N_("Trial balance is zero per currency"),
    "ledger": N_("Ledger verifier passes"),
}


@dataclass(frozen=True)
class Check:
    """One line of the checklist: clear or not, how many things block it, and what."""

    name: str
    ok: bool
    count: int = 0
    detail: str = ""

    @property
    def label(self) -> str:
        """The line's name for people (translate it with ``_``)."""
        return CHECK_LABELS[self.name]


@dataclass(frozen=True)
class Limits:
    """How long an item may stay open and a batch stay submitted before the close objects."""

    open_item_days: int = 3
    submitted_batch_days: int = 5

    @classmethod
    def from_config(cls, config) -> Limits:
        """The limits from the app's settings."""
        return cls(int(config["CLOSE_OPEN_ITEM_DAYS"]), int(config["CLOSE_SUBMITTED_BATCH_DAYS"]))


def period_or_404(session: Session, name: str) -> PeriodInfo:
    """An accounting period by name."""
    for period in ledger.list_periods(session):
        if period.name == name:
            return period
    raise NotFound(N_("No such period."), field="name")


def _days(period: PeriodInfo):
    return assertions.day_of(period.starts_at), assertions.day_of(
        period.ends_at - timedelta(microseconds=1)
    )


def checklist(
    session: Session, period: PeriodInfo, now: datetime, limits: Limits, verified=None
) -> list[Check]:
    """Every check of the period, in order, from what is stored now (``verified``: a ledger
    verifier report already made, to share one run between several periods)."""
    first, last = _days(period)
    start, end = period.starts_at, period.ends_at
    cutoff = now - timedelta(days=limits.open_item_days)
    bt = StripeBalanceTransaction
    late_bank = session.scalar(
        sa.select(sa.func.count()).where(
            BankLine.state.in_(OPEN_STATES),
            BankLine.value_date.between(first, last),
            BankLine.value_date < assertions.day_of(cutoff),
        )
    )
    late_stripe = session.scalar(
        sa.select(sa.func.count()).where(
            bt.state.in_(OPEN_STATES), bt.created >= start, bt.created < min(end, cutoff)
        )
    )
    late = late_bank + late_stripe
    checks = [
        Check("open_items", late == 0, late,
              f"{late} lines open more than {limits.open_item_days} days" if late else ""),
    ]  # fmt: skip

    exception_ids = _period_exceptions(session, period)
    checks.append(
        Check("exceptions", not exception_ids, len(exception_ids),
              ", ".join(f"#{i}" for i in exception_ids[:20]))
    )  # fmt: skip

    checks.append(_balances(session, period))

    stuck = session.scalars(
        sa.select(PayoutBatch.id).where(
            PayoutBatch.status == PayoutBatchStatus.SUBMITTED,
            PayoutBatch.submitted_at < now - timedelta(days=limits.submitted_batch_days),
        )
    ).all()
    checks.append(
        Check("payout_batches", not stuck, len(stuck), ", ".join(f"#{i}" for i in stuck[:20]))
    )

    waiting = session.scalars(
        sa.select(Correction.id).where(Correction.status == "proposed").order_by(Correction.id)
    ).all()
    checks.append(
        Check("corrections", not waiting, len(waiting), ", ".join(f"#{i}" for i in waiting[:20]))
    )

    trial = reads.trial_balance(session, as_of=end - timedelta(microseconds=1))
    uneven = [currency for currency, row in sorted(trial.totals.items()) if row[0] != row[1]]
    checks.append(Check("trial_balance", not uneven, len(uneven), ", ".join(uneven)))

    report = verified or verify_ledger(session)
    problems = [f"{found.invariant} {found.subject}" for found in report.findings]
    checks.append(Check("ledger", report.ok, len(problems), "; ".join(problems[:5])[:500]))
    return checks


def verify_ledger(session: Session):
    """The ledger verifier's report, escrow of settled and refunded orders included."""
    return verify(session, settled_escrows=books.settled_escrow_accounts(session))


def _period_exceptions(session: Session, period: PeriodInfo) -> list[int]:
    """Open exceptions about a line, a payment or a day of the period."""
    first, last = _days(period)
    bt = StripeBalanceTransaction
    open_ = ReconException.status == ExceptionStatus.OPEN
    queries = [
        sa.select(ReconException.id).join(BankLine, BankLine.id == ReconException.bank_line_id)
        .where(open_, BankLine.value_date.between(first, last)),
        sa.select(ReconException.id).join(bt, bt.id == ReconException.stripe_line_id)
        .where(open_, bt.created >= period.starts_at, bt.created < period.ends_at),
        sa.select(ReconException.id).join(Payment, Payment.id == ReconException.payment_id)
        .where(open_, Payment.completed_at >= period.starts_at,
               Payment.completed_at < period.ends_at),
        sa.select(ReconException.id)
        .join(BalanceAssertion, BalanceAssertion.id == ReconException.assertion_id)
        .where(open_, BalanceAssertion.day.between(first, last)),
    ]  # fmt: skip
    return sorted({row for query in queries for row in session.scalars(query)})


def _balances(session: Session, period: PeriodInfo) -> Check:
    first, last = _days(period)
    problems = []
    for target in assertions.reconciled_accounts(session):
        if target.key != assertions.STRIPE and target.last < last:
            problems.append(f"{target.label}: statements end {target.last}")
        covered = (min(last, target.last) - max(first, target.first)).days + 1
        asserted = session.scalar(
            sa.select(sa.func.count()).where(
                BalanceAssertion.account_key == target.key,
                BalanceAssertion.currency == target.currency,
                BalanceAssertion.day.between(first, last),
            )
        )
        if covered > 0 and asserted < covered:
            problems.append(
                f"{target.label} {target.currency}: {covered - asserted} days not asserted"
            )
    differs = session.execute(
        sa.select(BalanceAssertion.label, BalanceAssertion.currency, BalanceAssertion.day)
        .where(
            BalanceAssertion.day.between(first, last),
            BalanceAssertion.status == AssertionStatus.DIFFERS,
        )
        .order_by(BalanceAssertion.day)
    ).all()
    problems += [f"{label} {currency} {day}" for label, currency, day in differs]
    return Check("balances", not problems, len(problems), "; ".join(problems[:10])[:500])


def open_period(
    session: Session, name: str, starts_at: datetime, ends_at: datetime, user: User | None,
    now: datetime,
) -> PeriodInfo:  # fmt: skip
    """Open an accounting period ``[starts_at, ends_at)``."""
    period = ledger.create_period(session, name, starts_at, ends_at)
    audit.record(session, "period_opened", f"period:{name}", user, now,
                 starts_at=starts_at.isoformat(), ends_at=ends_at.isoformat())  # fmt: skip
    return period


def request_close(session: Session, name: str, user: User, now: datetime) -> PeriodInfo:
    """Ask for an ended period to be closed; another finance user approves the close."""
    period = ledger.request_close(session, name, requested_by=user.email, now=now)
    audit.record(session, "period_close_requested", f"period:{name}", user, now)
    return period


def refresh(session: Session, period: PeriodInfo, now: datetime) -> None:
    """Assert the balances of the period's days again, so the checklist sees today's books."""
    first, last = _days(period)
    assertions.compute(session, now, first, last)


def close(
    session: Session, name: str, user: User, now: datetime, limits: Limits,
    override_reason: str | None = None,
) -> PeriodInfo:  # fmt: skip
    """Approve a requested close once the checklist is clear, or with a reason that overrides
    the failing checks; either way the checks are kept in the audit trail."""
    period = period_or_404(session, name)
    if (
        period.status == "closed"
        or period.ends_at > now
        or period.close_requested_by in (None, user.email)
    ):
        # Not closable by this user at all: the ledger refuses and says why, before any
        # checklist asks for a reason.
        ledger.close_period(session, name, closed_by=user.email, now=now)
    refresh(session, period, now)
    checks = checklist(session, period, now, limits)
    failing = [check.name for check in checks if not check.ok]
    if failing and not override_reason:
        raise Conflict(
            N_("The close checklist is not clear: give a reason to close all the same."),
            field="override_reason",
            failing=failing,
        )
    closed = ledger.close_period(session, name, closed_by=user.email, now=now)
    audit.record(
        session, "close_period", f"period:{name}", user, now,
        failing=failing, override_reason=override_reason if failing else None,
        checks={check.name: check.ok for check in checks},
    )  # fmt: skip
    return closed
