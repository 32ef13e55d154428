"""The exception queue (差異處理): finance resolves what matching could not, in one of three ways,
each written to the audit trail.

- **Match by hand**: link the item to what it is for (a payment, refund, payout, Stripe payout
  line); the difference, if any, is shown and kept on the match, and the item is partially
  reconciled until the difference is explained.
- **Correcting entry**: one finance user proposes a journal entry with a reason; a *different*
  finance user approves it, and only then is it posted (``correction:<id>``) — maker-checker.
- **Mark with a reason**: the item is archived as explained (a bank charge booked elsewhere, a
  duplicate the customer was refunded for outside the system ...).
"""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

import ledger
from ledger import credit, debit
from ledger.entries import MAX_AMOUNT
from ledger.errors import LedgerError
from ledger.models import Account as LedgerAccount
from ledger.periods import closed_between
from ledger.posting import prepare
from market.errors import Conflict, InvalidInput, NotFound
from market.errors import state_value as _value
from market.finance import assertions, audit, cash, matching
from market.finance import books as finance_books
from market.finance.inputs import coded_money
from market.finance.models import (
    AssertionStatus,
    BalanceAssertion,
    BankAccount,
    BankLine,
    Correction,
    ExceptionStatus,
    ItemState,
    Match,
    ReconException,
    StripeBalanceTransaction,
)
from market.finance.payouts import value_moment
from market.identity.models import Organisation, User
from market.text import N_
from market.trading import books as trading_books
from market.trading.models import Order, Payment, Payout, Refund

TARGETS = {"payment": Payment, "refund": Refund, "payout": Payout}


def open_exception(session: Session, exception_id: int, field: str | None = None) -> ReconException:
    """An open exception, locked; ``field`` names the input that gave its id (none when the
    address does)."""
    found = session.get(ReconException, exception_id, with_for_update=True)
    if found is None:
        raise NotFound(N_("No such exception."), field=field)
    if found.status != ExceptionStatus.OPEN:
        raise Conflict(N_("This exception is already resolved."), field=field,
                       state=[_value(found.status)])  # fmt: skip
    return found


def _item(session: Session, exception: ReconException):
    if exception.stripe_line_id:
        return session.get(StripeBalanceTransaction, exception.stripe_line_id)
    if exception.bank_line_id:
        return session.get(BankLine, exception.bank_line_id)
    return None


def _resolve(exception, how: str, reason: str | None, user: User, now: datetime) -> None:
    exception.status, exception.resolution = ExceptionStatus.RESOLVED, how
    exception.reason, exception.resolved_by_id, exception.resolved_at = reason, user.id, now


# An exception matched by hand with a difference: it stays open, its item partially
# reconciled, until the difference is explained (a correcting entry or a reason).
DIFFERENCE = "hand_match_difference"


def side_account(session: Session, item) -> str:
    """The ledger account a statement line moves: Stripe's clearing account, or the ledger code
    of the bank account the line is on."""
    if isinstance(item, StripeBalanceTransaction):
        return trading_books.STRIPE_CLEARING
    account = session.get(BankAccount, item.bank_account_id)
    return account.ledger_account if account else trading_books.BANK


def target_account(target) -> str:
    """The ledger account a payment, refund or payout moved money on."""
    return cash.target_code(target)


def match_by_hand(
    session: Session, exception_id: int, kind: str, target_id: int, user: User, now: datetime,
    note: str | None = None, accept_difference: bool = False,
) -> Match:  # fmt: skip
    """Link the exception's item to ``kind`` ``target_id`` on the same account and in the same
    currency. A difference must be accepted (``accept_difference``): the match keeps it, the
    item is partially reconciled and the exception stays open until it is explained."""
    exception = open_exception(session, exception_id)
    if exception.kind == DIFFERENCE:
        raise Conflict(
            N_("This item is already matched by hand; explain its difference."), field="kind"
        )
    if kind == "stripe_payout":
        return _stripe_payout_by_hand(session, exception, target_id, user, now, note)
    model = TARGETS.get(kind)
    if model is None:
        raise InvalidInput(N_("Match to a payment, a refund or a payout."), field="kind")
    target = session.get(model, target_id)
    if target is None:
        raise NotFound(N_("There is nothing of this kind with this id."), field="target_id")
    item = _item(session, exception)
    if item is None:
        raise Conflict(N_("This exception has no statement line to match."), field="kind")
    _refuse_if_matched(session, item, kind, target.id)
    here, there = side_account(session, item), target_account(target)
    if here != there:
        raise InvalidInput(
            N_("This is on another account than the line: it cannot explain it."),
            field="target_id", line_account=[here], target_account=[there],
        )  # fmt: skip
    if item.currency != target.currency:
        raise InvalidInput(
            N_("This is in another currency than the line."), field="target_id",
            line_currency=[item.currency], target_currency=[target.currency],
        )  # fmt: skip
    amount = abs(getattr(item, "amount_minor", None) or getattr(item, "amount", 0))
    difference = amount - target.amount_minor
    if difference and not accept_difference:
        raise InvalidInput(
            N_("The amounts differ: accept the difference to match, or choose another."),
            field="accept_difference", difference_minor=[difference], currency=[item.currency],
        )  # fmt: skip
    match = Match(
        rule="manual",
        stripe_line_id=exception.stripe_line_id,
        bank_line_id=exception.bank_line_id,
        target_kind=kind,
        target_id=target.id,
        amount_minor=target.amount_minor,
        difference_minor=difference,
        note=note,
        created_by_id=user.id,
        created_at=now,
    )
    session.add(match)
    _no_longer_a_candidate(session, kind, target.id, exception.id)
    audit.record(session, "match_by_hand", f"exception:{exception.id}", user, now,
          kind=kind, target_id=target.id, difference=difference)  # fmt: skip
    if difference == 0:
        item.state = ItemState.RECONCILED
        _resolve(exception, "matched_by_hand", note, user, now)
        return match
    item.state = ItemState.PARTIAL
    exception.kind, exception.candidates = DIFFERENCE, []
    exception.detail = (
        f"matched by hand to {kind} {target.id}; difference "
        f"{coded_money(difference, item.currency)}"
    )[:500]
    return match


def _refuse_if_matched(session: Session, item, kind: str, target_id: int) -> None:
    """One receipt, refund or payout explains one line: refused when a line of the same side
    (bank or Stripe) moving money the same way is already matched to it, by a rule or by hand.
    (A payout sent and then returned has two lines, one each way; a card payment a charge line
    and the line of its refund.)"""
    bank = isinstance(item, BankLine)
    line = BankLine if bank else StripeBalanceTransaction
    amount, joined = (
        (BankLine.amount_minor, Match.bank_line_id) if bank
        else (StripeBalanceTransaction.amount, Match.stripe_line_id)
    )  # fmt: skip
    same_way = amount > 0 if (item.amount_minor if bank else item.amount) > 0 else amount <= 0
    found = session.execute(
        sa.select(Match.rule, line)
        .join(line, joined == line.id)
        .where(Match.target_kind == kind, Match.target_id == target_id, same_way)
        .order_by(Match.id)
        .limit(1)
    ).first()
    if found is None:
        return
    rule, other = found
    if bank:
        reference, day, money = other.bank_reference, other.value_date, other.amount_minor
    else:
        reference, day, money = other.stripe_id, other.created.date(), other.amount
    raise Conflict(
        N_("This is already matched to another statement line: it cannot explain this one too."),
        field="target_id", matched_line_id=[other.id], matched_reference=[reference],
        matched_date=[day.isoformat()], matched_amount_minor=[money],
        matched_currency=[other.currency], matched_rule=[rule],
    )  # fmt: skip


def _no_longer_a_candidate(session: Session, kind: str, target_id: int, matched: int) -> None:
    """What a hand match took is offered to no other open exception (the next run suggests
    afresh; until then the queue must not offer what can no longer be chosen)."""
    for other in session.scalars(
        sa.select(ReconException).where(
            ReconException.status == ExceptionStatus.OPEN, ReconException.id != matched
        )
    ):
        kept = [c for c in other.candidates or [] if (c["kind"], c["id"]) != (kind, target_id)]
        if len(kept) != len(other.candidates or []):
            other.candidates = kept


def _stripe_payout_by_hand(
    session: Session, exception: ReconException, target_id: int, user: User, now: datetime,
    note: str | None,
) -> Match:  # fmt: skip
    """A bank line is the arrival of a Stripe payout the rules did not find (its remark names
    no payout, or another id): booked as the rule books it, for the exact amount only."""
    payout = session.get(StripeBalanceTransaction, target_id)
    if payout is None or payout.reporting_category != "payout":
        raise NotFound(N_("There is nothing of this kind with this id."), field="target_id")
    if payout.state != ItemState.UNRECONCILED:
        raise Conflict(N_("This Stripe payout is already matched."), field="target_id")
    line = session.get(BankLine, exception.bank_line_id) if exception.bank_line_id else None
    if line is None or line.amount_minor <= 0:
        raise InvalidInput(
            N_("A Stripe payout is matched to money the bank received."), field="kind"
        )
    if line.amount_minor != -payout.amount or line.currency != payout.currency:
        raise InvalidInput(
            N_("A Stripe payout is matched only to a bank line of exactly its amount."),
            field="target_id",
        )
    finance_books.stripe_payout_arrived(
        session, payout.payout_id or payout.source_id or payout.stripe_id, line.amount_minor,
        line.currency, value_moment(line.value_date), line.bank_reference,
        side_account(session, line),
    )  # fmt: skip
    match = Match(
        rule="manual", bank_line_id=line.id, target_kind="stripe_payout", target_id=payout.id,
        amount_minor=line.amount_minor, difference_minor=0, note=note, created_by_id=user.id,
        created_at=now,
    )  # fmt: skip
    session.add(match)
    session.add(
        Match(rule="manual", stripe_line_id=payout.id, target_kind="bank_line", target_id=line.id,
              amount_minor=payout.amount, difference_minor=0, note=note, created_by_id=user.id,
              created_at=now)
    )  # fmt: skip
    line.state = payout.state = ItemState.RECONCILED
    _resolve(exception, "matched_by_hand", note, user, now)
    audit.record(session, "match_by_hand", f"exception:{exception.id}", user, now,
          kind="stripe_payout", target_id=payout.id, difference=0)  # fmt: skip
    return match


def mark(session: Session, exception_id: int, reason: str, user: User, now: datetime):
    """Explain an exception without moving money: its item is archived."""
    exception = open_exception(session, exception_id)
    item = _item(session, exception)
    if item is not None:
        item.state = ItemState.ARCHIVED
    _resolve(exception, "marked", reason, user, now)
    audit.record(session, "mark", f"exception:{exception.id}", user, now, reason=reason)
    return exception


def propose_correction(
    session: Session, exception_id: int | None, legs: list[dict], reason: str, user: User,
    now: datetime,
) -> Correction:  # fmt: skip
    """A correcting entry waiting for a second finance user; checked now, posted on approval."""
    if exception_id is not None:
        open_exception(session, exception_id, "exception_id")
    _check_legs(session, legs)
    request = ledger.EntryRequest("correction:check", _legs(legs), reason)
    try:
        prepare(request, now=now)
    except LedgerError as error:
        raise InvalidInput(N_("The correcting entry is not a valid entry."), field="legs",
                           ledger=[error.message]) from None  # fmt: skip
    correction = Correction(
        exception_id=exception_id, status="proposed", legs=legs, reason=reason,
        proposed_by_id=user.id, proposed_at=now,
    )  # fmt: skip
    session.add(correction)
    session.flush()
    audit.record(session, "propose_correction", f"correction:{correction.id}", user, now,
          exception_id=exception_id, reason=reason)  # fmt: skip
    return correction


# Where a correction books what the bank charged or paid on its own.
BANK_CHARGES = "expenses:bank_charges"
BANK_INTEREST = "revenue:bank_interest"
# The exchange's own accounts a correction may name before anything was booked on them.
NAMED_ACCOUNTS = frozenset({
    BANK_CHARGES, BANK_INTEREST,
    trading_books.BANK, trading_books.STRIPE_CLEARING, trading_books.PLATFORM_FEES,
    trading_books.VAT_OUTPUT, trading_books.UNAPPLIED, finance_books.STRIPE_PAYOUTS_IN_TRANSIT,
    finance_books.STRIPE_DISPUTED, finance_books.PAYMENT_FEES, finance_books.DISPUTE_FEES,
    finance_books.FX_POSITION, finance_books.PAYOUTS_IN_TRANSIT, finance_books.OPENING_BALANCES,
})  # fmt: skip
# Accounts kept per organisation or per order: the number must be one that exists.
PER_OWNER = (
    (re.compile(r"^liabilities:provider_payable:org:([0-9]{1,12})$"), Organisation),
    (re.compile(r"^assets:provider_receivable:org:([0-9]{1,12})$"), Organisation),
    (re.compile(r"^liabilities:escrow:order:([0-9]{1,12})$"), Order),
)


def _check_legs(session: Session, legs: list[dict]) -> None:
    """A correction names accounts of the chart — one the ledger already keeps, one of the
    exchange's named accounts or a bank account's code, or a per-organisation or per-order
    account of one that exists — never debits and credits the same account, and moves at most
    ``MAX_AMOUNT`` per currency."""
    existing = set(
        session.scalars(
            sa.select(LedgerAccount.code).where(
                LedgerAccount.code.in_({leg["account"] for leg in legs})
            )
        )
    )
    unknown = unknown_accounts(session, [leg["account"] for leg in legs], existing)
    sides: dict[tuple[str, str], set[str]] = {}
    totals: dict[str, int] = {}
    for number, leg in enumerate(legs):
        code, where = leg["account"], f"legs.{number}.account"
        if code in unknown:
            raise InvalidInput(
                N_("There is no such account in the chart of accounts."), field=where
            )
        sides.setdefault((code, leg["currency"]), set()).add(leg["side"])
        if len(sides[code, leg["currency"]]) > 1:
            raise InvalidInput(
                N_("A correction does not debit and credit the same account."), field=where
            )
        if leg["side"] == "debit":
            totals[leg["currency"]] = totals.get(leg["currency"], 0) + leg["amount_minor"]
            if totals[leg["currency"]] > MAX_AMOUNT:
                raise InvalidInput(
                    N_("A correction moves at most the ledger's largest amount."),
                    field=f"legs.{number}.amount_minor", facts={"limit": MAX_AMOUNT},
                )  # fmt: skip


def unknown_accounts(session: Session, codes: list[str], existing: set[str] | None = None):
    """The codes a correction may not name: not kept by the ledger, not one of the exchange's
    named accounts or a bank account's code, nor a per-organisation or per-order account of
    one that exists."""
    if existing is None:
        existing = set(
            session.scalars(sa.select(LedgerAccount.code).where(LedgerAccount.code.in_(codes)))
        )
    banks = set(session.scalars(sa.select(BankAccount.ledger_account)))
    unknown = set()
    for code in codes:
        if code in existing or code in NAMED_ACCOUNTS or code in banks:
            continue
        owner = next(
            ((match, model) for pattern, model in PER_OWNER if (match := pattern.match(code))),
            None,
        )
        if owner is None or session.get(owner[1], int(owner[0].group(1))) is None:
            unknown.add(code)
    return unknown


def _legs(legs: list[dict]) -> list:
    side = {"debit": debit, "credit": credit}
    return [side[leg["side"]](leg["account"], leg["amount_minor"], leg["currency"]) for leg in legs]


def _dated(session: Session, exception_id: int | None, now: datetime) -> datetime:
    """When a correction takes effect: on its statement line's day (a bank line's value date,
    a Stripe line's time), so the daily balances from that day on carry it; ``now`` without a
    line, or when that day is in a closed period (the correction goes into the open one)."""
    exception = session.get(ReconException, exception_id) if exception_id else None
    item = _item(session, exception) if exception else None
    if item is None:
        return now
    moment = value_moment(item.value_date) if isinstance(item, BankLine) else item.created
    if moment > now or closed_between(session, moment, moment):
        return now
    return moment


def decide_correction(
    session: Session, correction_id: int, approve: bool, user: User, now: datetime,
    note: str | None = None,
) -> Correction:  # fmt: skip
    """Approve (post the entry, resolve its exception) or refuse a proposed correction; never
    by the user who proposed it. ``note`` says why (a refusal's reason for its proposer)."""
    correction = session.get(Correction, correction_id, with_for_update=True)
    if correction is None:
        raise NotFound(N_("No such correction."))
    if correction.status != "proposed":
        raise Conflict(
            N_("This correction was already decided."), state=[_value(correction.status)]
        )
    if correction.proposed_by_id == user.id:
        raise Conflict(
            N_("Another finance user must approve the correction you proposed."),
            field="decided_by",
        )
    correction.decided_by_id, correction.decided_at = user.id, now
    correction.decision_note = note
    if not approve:
        correction.status = "rejected"
        audit.record(session, "reject_correction", f"correction:{correction.id}", user, now,
                     exception_id=correction.exception_id, note=note)  # fmt: skip
        return correction
    entry = ledger.post(
        session,
        f"correction:{correction.id}",
        _legs(correction.legs),
        description=correction.reason[:500],
        effective_at=_dated(session, correction.exception_id, now),
        metadata={"correction_id": correction.id},
    )
    correction.status, correction.entry_id = "approved", entry.id
    if correction.exception_id is not None:
        exception = open_exception(session, correction.exception_id)
        item = _item(session, exception)
        if item is not None:
            item.state = ItemState.RECONCILED
        _resolve(exception, "corrected", correction.reason, user, now)
    audit.record(session, "approve_correction", f"correction:{correction.id}", user, now,
                 entry_id=entry.id, note=note)  # fmt: skip
    _reassert(session, user, now, f"correction:{correction.id}")
    return correction


def _reassert(session: Session, user: User, now: datetime, after: str) -> None:
    """Once balances have been asserted, assert them again after a change to the books, so
    the daily table never shows what the books said before it."""
    if session.scalar(sa.select(BalanceAssertion.id).limit(1)) is None:
        return
    rows = assertions.compute(session, now)
    differs = sum(1 for row in rows if row.status == AssertionStatus.DIFFERS)
    audit.record(session, "assert_balances", "recon", user, now, days=len(rows), differs=differs,
          after=after)  # fmt: skip


def run(session: Session, user: User | None, now: datetime, **options) -> matching.RunResult:
    """A matching run (``options`` as :func:`matching.run` takes them), in the audit trail."""
    result = matching.run(session, now, **options)
    audit.record(session, "run", "recon", user, now, matched=dict(result.matched),
                 opened=result.opened, closed=result.closed)  # fmt: skip
    return result


def assert_balances(
    session: Session, user: User | None, now: datetime, start=None, end=None
) -> list[BalanceAssertion]:
    """Assert every reconciled account for every day in ``[start, end]``, in the audit trail."""
    rows = assertions.compute(session, now, start, end)
    differs = sum(1 for row in rows if row.status == AssertionStatus.DIFFERS)
    audit.record(session, "assert_balances", "recon", user, now, days=len(rows), differs=differs,
                 start=start.isoformat() if start else None,
                 end=end.isoformat() if end else None)  # fmt: skip
    return rows


def queue(status: ExceptionStatus = ExceptionStatus.OPEN) -> sa.Select:
    """Exceptions in a status, oldest first."""
    return (
        sa.select(ReconException).where(ReconException.status == status).order_by(ReconException.id)
    )
