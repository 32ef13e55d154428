"""Matching (對賬): outside items — Stripe's balance lines and the bank's statement lines — to
what the books hold, by rules in priority order, in sets rather than row by row.

| order | rule | joins |
| --- | --- | --- |
| 1 | ``stripe_charge`` | a charge line's charge id = a payment's Stripe charge id (one indexed join; also on import) |
| 2 | ``stripe_refund`` | a refund line's refund id = a refund's (or a returned receipt's) Stripe refund id |
| 3 | ``bank_transaction`` | a bank line's reference = a recorded bank receipt's transaction id |
| 4 | ``payout_reference`` | ``SJ-PAYOUT-<id>`` in the remark: the payout is paid (or returned) |
| 4b | ``refund_reference`` | ``SJ-REFUND-<id>`` in a line of money out: the bank refund finance sent is paid (on the line's value date, not before the day it was sent) |
| 5 | ``stripe_payout`` | ``po_…`` in the remark: Stripe's payout reached the bank |
| 6 | ``order_reference`` | order references (``SJ`` + 10 digits) in the remark: one line to one or many receipts |
| 7 | ``amount_window`` | money in with no reference: a Stripe payout of exactly that amount sent within ``window_days`` before the value date (one candidate only; no tolerance) |

Amounts must be equal; a rule that finds its target with another amount opens an exception
(``amount_differs``) with the target as candidate instead of matching. What stays unmatched
opens an exception with suggested candidates; a payment Stripe never reported (older than the
newest line imported) opens ``missing_at_stripe``; a bank line quoting a payout but dated before
its batch went to the bank (UTC+8) pays nothing and opens ``before_submission``. Exceptions are kept once per item and
resolved automatically when a later run matches the item.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.finance import books, bulk, cash, payouts, refund_transfers, statements
from market.finance.models import (
    BankAccount,
    BankLine,
    ExceptionStatus,
    ItemState,
    Match,
    ReconException,
    StripeBalanceTransaction,
)
from market.finance.payouts import CHINA_STANDARD_TIME, value_moment
from market.states import Actor
from market.trading.models import (
    Dispute,
    DisputeStatus,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Payout,
    PayoutStatus,
    Refund,
    RefundStatus,
    RefundTransferStatus,
)

CHUNK = 5_000
RECEIVED = (PaymentStatus.SUCCEEDED, PaymentStatus.HELD, PaymentStatus.RETURNED)
OPEN_STATES = (ItemState.UNRECONCILED, ItemState.PARTIAL)


@dataclass
class RunResult:
    """What a run did."""

    matched: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    opened: int = 0
    closed: int = 0

    def summary(self) -> str:
        """One line for the CLI."""
        rules = ", ".join(f"{rule} {count}" for rule, count in sorted(self.matched.items()))
        return (
            f"matched: {rules or 'nothing'}; exceptions opened {self.opened}, closed {self.closed}"
        )


@dataclass
class _Pending:
    """Matches and exceptions found by the rules, written in bulk at the end of a rule."""

    matches: list[dict] = field(default_factory=list)
    stripe_done: list[int] = field(default_factory=list)
    bank_done: list[int] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)


_MATCH_DEFAULTS = {
    "stripe_line_id": None,
    "bank_line_id": None,
    "difference_minor": 0,
    "note": None,
    "created_by_id": None,
}


def _flush(session: Session, pending: _Pending, result: RunResult, now: datetime) -> None:
    rows = [{**_MATCH_DEFAULTS, "created_at": now, **row} for row in pending.matches]
    for row in rows:
        # A Stripe payout's arrival is two matches (the bank line's and the Stripe line's
        # mirror): one line matched, counted once.
        if row["target_kind"] != "bank_line":
            result.matched[row["rule"]] += 1
    if rows:
        # The table's insert (one executemany), not the ORM's bulk path.
        session.execute(sa.insert(Match.__table__), rows)
    for model, ids in (
        (StripeBalanceTransaction, pending.stripe_done),
        (BankLine, pending.bank_done),
    ):
        for start in range(0, len(ids), CHUNK):
            session.execute(
                sa.update(model)
                .where(model.id.in_(ids[start : start + CHUNK]))
                .values(state=ItemState.RECONCILED)
            )
    pending.matches, pending.stripe_done, pending.bank_done = [], [], []


def run(session: Session, now: datetime, *, window_days: int = 5) -> RunResult:
    """Match everything open, then keep the exception queue current."""
    result = RunResult()
    pending = _Pending()
    charges = _stripe_charges(session, pending, now)
    if charges:
        result.matched["stripe_charge"] += charges
    _stripe_refunds(session, pending)
    _flush(session, pending, result, now)
    for rule in (_bank_transaction_ids, _payout_references, _refund_references, _stripe_payouts,
                 _order_references):  # fmt: skip
        rule(session, pending, now)
        _flush(session, pending, result, now)
    _amount_window(session, pending, now, window_days)
    _flush(session, pending, result, now)
    lost = _lost_disputes(session)
    if lost:
        result.matched["stripe_dispute_lost"] += lost
    _exceptions(session, pending, result, now, window_days)
    return result


# --- Stripe lines to payments and refunds -----------------------------------------------------


def _same_money(line, amount: int, currency: str) -> bool:
    if line.currency == currency:
        return abs(line.amount) == amount
    # A converted charge: the customer paid in the order's currency.
    return (line.customer_facing_currency, abs(line.customer_facing_amount or 0)) == (
        currency,
        amount,
    )


def _stripe_charges(session: Session, pending: _Pending, now: datetime) -> int:
    """Charge lines to payments by charge id in two statements (INSERT … SELECT the matches,
    then UPDATE the lines they name), whatever the number of lines; the few whose amounts
    differ come back as exceptions. Returns how many matched."""
    bt, payment, match = (
        StripeBalanceTransaction.__table__,
        Payment.__table__,
        Match.__table__,
    )
    open_charges = sa.and_(
        bt.c.state == ItemState.UNRECONCILED.value, bt.c.reporting_category == "charge"
    )
    # Each line looks its payment up by the unique charge id (an index probe per line), so
    # neither engine can plan the join as a scan of one table per row of the other.
    joined = bt.join(payment, payment.c.stripe_charge_id == bt.c.charge_id)
    same_money = sa.or_(
        sa.and_(
            bt.c.currency == payment.c.currency,
            sa.func.abs(bt.c.amount) == payment.c.amount_minor,
        ),
        sa.and_(
            bt.c.currency != payment.c.currency,
            # Never NULL, so that the complement below finds every line that does not match.
            sa.func.coalesce(bt.c.customer_facing_currency, "") == payment.c.currency,
            sa.func.abs(sa.func.coalesce(bt.c.customer_facing_amount, 0)) == payment.c.amount_minor,
        ),
    )
    _insert_charge_matches(session, now, joined, open_charges, same_money)
    # The lines just matched, counted here (an INSERT … SELECT's row count is not portable).
    matched = session.execute(
        sa.update(bt)
        .where(
            open_charges,
            sa.exists().where(match.c.stripe_line_id == bt.c.id, match.c.rule == "stripe_charge"),
        )
        .values(state=ItemState.RECONCILED.value)
    ).rowcount
    for row in session.execute(
        sa.select(bt.c.id, bt.c.amount, bt.c.currency, payment.c.id.label("payment_id"),
                  payment.c.amount_minor, payment.c.currency.label("paid_in"))
        .select_from(joined)
        .where(open_charges, sa.not_(same_money))
    ):  # fmt: skip
        pending.problems.append(
            {"kind": "amount_differs", "stripe_line_id": row.id, "amount_minor": row.amount,
             "currency": row.currency,
             "detail": f"payment {row.payment_id} is {row.amount_minor} {row.paid_in}",
             "candidates": [_candidate("payment", row.payment_id, row.amount_minor, row.paid_in)]}
        )  # fmt: skip
    return matched


def charges_in_books(session: Session, lines) -> dict[str, int]:
    """The ``stripe_charge`` rule for lines being imported (``stripe_balance.BalanceLine``):
    for each charge line whose payment the books already hold with the same money, the id of
    that payment, found in one query. They are recorded reconciled and matched by
    :func:`record_imported_charges`, so an import never writes its lines twice; the rest wait
    for :func:`run`, which applies the same rule to what is still open."""
    wanted: dict[str, list] = {}
    for line in lines:
        if line.reporting_category == "charge" and line.charge_id:
            wanted.setdefault(line.charge_id, []).append(line)
    if not wanted:
        return {}
    found = {}
    for charge, payment, amount, currency in session.execute(
        sa.select(
            Payment.stripe_charge_id, Payment.id, Payment.amount_minor, Payment.currency
        ).where(bulk.among(session, Payment.stripe_charge_id, list(wanted), "charges"))
    ):
        for line in wanted[charge]:
            if _same_money(line, amount, currency):
                found[line.id] = payment
    return found


MATCH_COLUMNS = ("rule", "stripe_line_id", "target_kind", "target_id", "amount_minor",
                 "difference_minor", "created_at")  # fmt: skip


def record_imported_charges(session: Session, matched: list[tuple[int, int, int]], now) -> None:
    """The matches of the lines :func:`charges_in_books` found, once they are recorded, as
    ``(line row id, payment id, amount)``: one bulk insert, since both ids are known."""
    bulk.insert(
        session,
        Match.__table__,
        MATCH_COLUMNS,
        [("stripe_charge", line, "payment", payment, amount, 0, now)
         for line, payment, amount in matched],
    )  # fmt: skip


def _insert_charge_matches(session: Session, now: datetime, joined, *conditions) -> None:
    """Record, in one INSERT … SELECT, a ``stripe_charge`` match of each Stripe line to the
    payment ``joined`` pairs it with, where ``conditions`` hold."""
    bt, payment, match = (
        StripeBalanceTransaction.__table__,
        Payment.__table__,
        Match.__table__,
    )
    session.execute(
        sa.insert(match).from_select(
            MATCH_COLUMNS,
            sa.select(
                sa.literal("stripe_charge"), bt.c.id, sa.literal("payment"), payment.c.id,
                bt.c.amount, sa.literal(0), sa.literal(now, match.c.created_at.type),
            ).select_from(joined).where(*conditions),
        )
    )  # fmt: skip


def _stripe_refunds(session: Session, pending: _Pending) -> None:
    bt = StripeBalanceTransaction
    lines = session.execute(
        sa.select(
            bt.id, bt.refund_id, bt.amount, bt.currency, bt.customer_facing_amount,
            bt.customer_facing_currency,
        ).where(bt.state == ItemState.UNRECONCILED, bt.reporting_category == "refund")
    ).all()  # fmt: skip
    ids = [row.refund_id for row in lines if row.refund_id]
    targets = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for refund in session.execute(
            sa.select(
                Refund.id, Refund.stripe_refund_id, Refund.amount_minor, Refund.currency
            ).where(Refund.stripe_refund_id.in_(chunk), Refund.status == RefundStatus.SUCCEEDED)
        ):
            targets[refund.stripe_refund_id] = ("refund", refund.id, refund.amount_minor,
                                                refund.currency)  # fmt: skip
        for payment in session.execute(
            sa.select(
                Payment.id, Payment.stripe_refund_id, Payment.amount_minor, Payment.currency
            ).where(Payment.stripe_refund_id.in_(chunk))
        ):
            targets[payment.stripe_refund_id] = ("payment", payment.id, payment.amount_minor,
                                                 payment.currency)  # fmt: skip
    for row in lines:
        found = targets.get(row.refund_id)
        if found is None:
            continue
        kind, target_id, amount, currency = found
        if _same_money(row, amount, currency):
            pending.matches.append(
                {"rule": "stripe_refund", "stripe_line_id": row.id, "target_kind": kind,
                 "target_id": target_id, "amount_minor": row.amount}
            )  # fmt: skip
            pending.stripe_done.append(row.id)
        else:
            pending.problems.append(
                {"kind": "amount_differs", "stripe_line_id": row.id, "amount_minor": row.amount,
                 "currency": row.currency, "detail": f"{kind} {target_id} is {amount} {currency}",
                 "candidates": [_candidate(kind, target_id, amount, currency)]}
            )  # fmt: skip


# --- Bank lines ---------------------------------------------------------------------------------


def _open_bank_lines(session: Session) -> list[BankLine]:
    return list(
        session.scalars(
            sa.select(BankLine)
            .where(BankLine.state == ItemState.UNRECONCILED)
            .order_by(BankLine.id)
        )
    )


def _matched_targets(session: Session, kind: str) -> set[int]:
    return set(
        session.scalars(
            sa.select(Match.target_id).where(
                Match.target_kind == kind, Match.bank_line_id.is_not(None)
            )
        )
    )


def _bank_match(pending, line: BankLine, rule: str, kind: str, target_id, amount=None) -> None:
    pending.matches.append(
        {"rule": rule, "bank_line_id": line.id, "target_kind": kind, "target_id": target_id,
         "amount_minor": line.amount_minor if amount is None else amount}
    )  # fmt: skip
    if line.id not in pending.bank_done:
        pending.bank_done.append(line.id)


def _bank_transaction_ids(session: Session, pending: _Pending, now: datetime) -> None:
    lines = {line.bank_reference: line for line in _open_bank_lines(session)}
    if not lines:
        return
    taken = _matched_targets(session, "payment")
    for payment in session.scalars(
        sa.select(Payment).where(
            Payment.method == PaymentMethod.BANK_TRANSFER,
            Payment.bank_transaction_id.in_(list(lines)),
        )
    ):
        line = lines[payment.bank_transaction_id]
        if payment.id in taken or payment.currency != line.currency:
            continue
        if not _on_books(session, line, payment):
            pending.problems.append(_elsewhere(session, line, "payment", payment,
                                               payment.amount_minor))  # fmt: skip
            continue
        if payment.amount_minor == line.amount_minor:
            _bank_match(pending, line, "bank_transaction", "payment", payment.id)
        else:
            pending.problems.append(_differs(line, "payment", payment.id, payment.amount_minor))


def _on_books(session: Session, line: BankLine, target) -> bool:
    """Whether the receipt, bank refund or payout ``target`` is booked on the ledger account of
    the line's bank account (each names the bank account its money went through): one booked
    elsewhere is money on another account."""
    return ledger_code(session, line) == cash.target_code(target)


def _elsewhere(session: Session, line: BankLine, kind: str, target, amount: int) -> dict:
    """A rule found the line's counterpart, but booked on another ledger account: matching the
    two would leave each account with the other's money, so finance decides."""
    return {
        "kind": "other_account",
        "bank_line_id": line.id,
        "amount_minor": line.amount_minor,
        "currency": line.currency,
        "detail": f"{kind} {target.id} ({amount}) is booked on {cash.target_code(target)}, "
        f"the line is on {ledger_code(session, line)}",
        "candidates": [],
    }


def _differs(line: BankLine, kind: str, target_id: int, amount: int) -> dict:
    return {
        "kind": "amount_differs",
        "bank_line_id": line.id,
        "amount_minor": line.amount_minor,
        "currency": line.currency,
        "detail": f"{kind} {target_id} is {amount}: difference {line.amount_minor - amount}",
        "candidates": [_candidate(kind, target_id, amount, line.currency)],
    }


def _payout_references(session: Session, pending: _Pending, now: datetime) -> None:
    found = []
    for line in _open_bank_lines(session):
        ids = [
            int(ref.removeprefix("SJ-PAYOUT-"))
            for ref in statements.references_in(line.remark)
            if ref.startswith("SJ-PAYOUT-")
        ]
        if len(ids) == 1:
            found.append((line, ids[0]))
    # Returns (money back in) first, so the debit of a returned payout finds it returned.
    found.sort(key=lambda pair: pair[0].amount_minor < 0)
    for line, payout_id in found:
        payout = session.get(Payout, payout_id)
        if payout is None or payout.currency != line.currency:
            continue
        if not _on_books(session, line, payout):
            pending.problems.append(
                _elsewhere(session, line, "payout", payout, -payout.amount_minor)
            )
            continue
        if abs(line.amount_minor) != payout.amount_minor:
            pending.problems.append(_differs(line, "payout", payout.id, -payout.amount_minor))
            continue
        sent = payouts.submission_day(payout)
        if sent is not None and line.value_date < sent:
            # The bank cannot have paid (or returned) it before it had the file: another
            # payment quoting the reference, or a mistyped date, for finance to look at.
            pending.problems.append(
                {"kind": "before_submission", "bank_line_id": line.id,
                 "amount_minor": line.amount_minor, "currency": line.currency,
                 "detail": f"the line's value date {line.value_date} is before payout "
                           f"{payout.id} was sent to the bank on {sent}",
                 "candidates": [_candidate("payout", payout.id, -payout.amount_minor,
                                           payout.currency)]}
            )  # fmt: skip
            continue
        if line.amount_minor > 0 and payout.status == PayoutStatus.SUBMITTED:
            payouts.mark_returned(
                session, payout.id, line.remark or "returned", line.value_date, now, Actor.SYSTEM
            )
            _bank_match(pending, line, "payout_reference", "payout", payout.id)
        elif line.amount_minor < 0 and payout.status == PayoutStatus.SUBMITTED:
            payouts.mark_paid(
                session, payout.id, line.value_date, line.bank_reference, now, Actor.SYSTEM
            )
            _bank_match(pending, line, "payout_reference", "payout", payout.id)
        elif line.amount_minor < 0 and payout.status == PayoutStatus.RETURNED:
            # Sent, then sent back: the two bank lines cancel out, as the ledger has it.
            _bank_match(pending, line, "payout_reference", "payout", payout.id)


def _refund_references(session: Session, pending: _Pending, now: datetime) -> None:
    """``SJ-REFUND-<id>`` in a line of money out: the bank refund finance sent is paid."""
    for line in _open_bank_lines(session):
        ids = [
            int(ref.removeprefix("SJ-REFUND-"))
            for ref in statements.references_in(line.remark)
            if ref.startswith("SJ-REFUND-")
        ]
        if len(ids) != 1 or line.amount_minor >= 0:
            continue
        refund = session.get(Refund, ids[0])
        if refund is None or refund.transfer_status is None or refund.currency != line.currency:
            continue
        if not _on_books(session, line, refund):
            pending.problems.append(
                _elsewhere(session, line, "refund", refund, -refund.amount_minor)
            )
            continue
        if -line.amount_minor != refund.amount_minor:
            pending.problems.append(_differs(line, "refund", refund.id, -refund.amount_minor))
            continue
        sent = refund_transfers.sent_day(refund)
        if refund.transfer_status == RefundTransferStatus.SENT and line.value_date >= sent:
            refund_transfers.mark_paid(
                session, refund.id, line.value_date, line.bank_reference, now, Actor.SYSTEM
            )
            _bank_match(pending, line, "refund_reference", "refund", refund.id)
        elif (
            refund.transfer_status == RefundTransferStatus.PAID
            and refund.bank_reference == line.bank_reference
        ):
            # Recorded paid by hand from this very line: the line is its confirmation.
            _bank_match(pending, line, "refund_reference", "refund", refund.id)


def _stripe_payout_lines(session: Session, payout_ids: list[str]) -> dict:
    return {
        row.payout_id: row
        for row in session.scalars(
            sa.select(StripeBalanceTransaction).where(
                StripeBalanceTransaction.payout_id.in_(payout_ids),
                StripeBalanceTransaction.reporting_category == "payout",
                StripeBalanceTransaction.state == ItemState.UNRECONCILED,
            )
        )
    }


def _arrived(session, pending, line: BankLine, stripe_line, rule: str) -> None:
    books.stripe_payout_arrived(
        session, stripe_line.payout_id, line.amount_minor, line.currency,
        value_moment(line.value_date), line.bank_reference, ledger_code(session, line),
    )  # fmt: skip
    _bank_match(pending, line, rule, "stripe_payout", stripe_line.id)
    pending.matches.append(
        {"rule": rule, "stripe_line_id": stripe_line.id, "target_kind": "bank_line",
         "target_id": line.id, "amount_minor": stripe_line.amount}
    )  # fmt: skip
    pending.stripe_done.append(stripe_line.id)


def _stripe_payouts(session: Session, pending: _Pending, now: datetime) -> None:
    wanted = {}
    for line in _open_bank_lines(session):
        refs = [ref for ref in statements.references_in(line.remark) if ref.startswith("po_")]
        if line.amount_minor > 0 and len(refs) == 1:
            wanted[refs[0]] = line
    known = _stripe_payout_lines(session, list(wanted))
    for payout_id, line in wanted.items():
        stripe_line = known.get(payout_id)
        if stripe_line is None or stripe_line.currency != line.currency:
            continue
        if -stripe_line.amount == line.amount_minor:
            _arrived(session, pending, line, stripe_line, "stripe_payout")
        else:
            pending.problems.append(
                _differs(line, "stripe_payout", stripe_line.id, -stripe_line.amount)
            )


def _order_references(session: Session, pending: _Pending, now: datetime) -> None:
    taken = _matched_targets(session, "payment")
    for line in _open_bank_lines(session):
        refs = [ref for ref in statements.references_in(line.remark) if ref.startswith("SJ")]
        refs = [ref for ref in refs if not ref.startswith("SJ-")]
        if not refs or line.amount_minor <= 0:
            continue
        receipts = list(
            session.scalars(
                sa.select(Payment)
                .where(
                    Payment.method == PaymentMethod.BANK_TRANSFER,
                    Payment.reference.in_(refs),
                    Payment.currency == line.currency,
                )
                .order_by(Payment.id)
            )
        )
        free = [payment for payment in receipts if payment.id not in taken]
        elsewhere = [payment for payment in free if not _on_books(session, line, payment)]
        if elsewhere:
            pending.problems.append(
                _elsewhere(session, line, "payment", elsewhere[0], elsewhere[0].amount_minor)
            )
        elif free and sum(payment.amount_minor for payment in free) == line.amount_minor:
            for payment in free:
                _bank_match(pending, line, "order_reference", "payment", payment.id,
                            payment.amount_minor)  # fmt: skip
                taken.add(payment.id)
        elif len(free) == 1:
            pending.problems.append(_differs(line, "payment", free[0].id, free[0].amount_minor))
        elif receipts and not free:
            pending.problems.append(
                {"kind": "duplicate", "bank_line_id": line.id, "amount_minor": line.amount_minor,
                 "currency": line.currency,
                 "detail": "the receipts quoting this reference are already matched",
                 "candidates": [_candidate("payment", p.id, p.amount_minor, p.currency)
                                for p in receipts]}
            )  # fmt: skip


def _amount_window(session: Session, pending: _Pending, now: datetime, days: int) -> None:
    lines = [
        line
        for line in _open_bank_lines(session)
        # A ``po_…`` the rule before found nothing for (a mistyped or unknown id) does not
        # stop the amount from finding the payout; an order or payout reference does.
        if line.amount_minor > 0
        and all(ref.startswith("po_") for ref in statements.references_in(line.remark))
    ]
    if not lines:
        return
    payouts_open = list(
        session.scalars(
            sa.select(StripeBalanceTransaction).where(
                StripeBalanceTransaction.reporting_category == "payout",
                StripeBalanceTransaction.state == ItemState.UNRECONCILED,
            )
        )
    )
    by_amount = defaultdict(list)
    for stripe_line in payouts_open:
        by_amount[(stripe_line.currency, -stripe_line.amount)].append(stripe_line)
    used = set()
    for line in lines:
        candidates = [
            stripe_line
            for stripe_line in by_amount.get((line.currency, line.amount_minor), [])
            if stripe_line.id not in used
            and stripe_line.created.date()
            <= line.value_date
            <= stripe_line.created.date() + timedelta(days=days)
        ]
        if len(candidates) == 1:
            used.add(candidates[0].id)
            _arrived(session, pending, line, candidates[0], "amount_window")
        elif candidates:
            pending.problems.append(
                {"kind": "ambiguous", "bank_line_id": line.id, "amount_minor": line.amount_minor,
                 "currency": line.currency, "detail": "several Stripe payouts fit",
                 "candidates": [_candidate("stripe_payout", c.id, -c.amount, c.currency)
                                for c in candidates]}
            )  # fmt: skip


def _lost_disputes(session: Session) -> int:
    """A chargeback Stripe withdrew and the exchange lost: trading booked it as a refund
    out of clearing, so the withdrawn funds stand in for it (``stripe_dispute:<dp>:lost``,
    dated when the dispute was decided, so every run posts it once)."""
    bt = StripeBalanceTransaction
    withdrawn = {
        row.dispute_id: row
        for row in session.execute(
            sa.select(bt.dispute_id, bt.amount, bt.currency).where(
                bt.reporting_category == "dispute", bt.amount < 0, bt.dispute_id.is_not(None)
            )
        )
    }
    if not withdrawn:
        return 0
    posted = 0
    for dispute in session.scalars(
        sa.select(Dispute).where(
            Dispute.stripe_dispute_id.in_(list(withdrawn)),
            Dispute.status == DisputeStatus.DECIDED,
            Dispute.refund_minor > 0,
        )
    ):
        line = withdrawn[dispute.stripe_dispute_id]
        entry = books.stripe_dispute_lost(
            session, dispute.stripe_dispute_id, -line.amount, line.currency, dispute.decided_at
        )
        posted += not entry.replayed
    return posted


# --- The exception queue ------------------------------------------------------------------------


def _candidate(kind: str, target_id: int, amount: int, currency: str) -> dict:
    return {"kind": kind, "id": target_id, "amount_minor": amount, "currency": currency}


def _near(session: Session, kind: str, amount, low: int, high: int, currency: str, *where):
    """Up to five candidates of ``kind``: rows whose ``amount`` column is within ``low`` and
    ``high`` in ``currency`` and that meet ``where``, oldest first."""
    model = amount.class_
    rows = session.scalars(
        sa.select(model)
        .where(sa.between(amount, low, high), model.currency == currency, *where)
        .order_by(model.id)
        .limit(5)
    )
    return [_candidate(kind, row.id, getattr(row, amount.key), row.currency) for row in rows]


def _suggest(
    session: Session,
    amount: int,
    currency: str,
    method: PaymentMethod,
    day: date,
    window_days: int,
    bank_code: str | None = None,
) -> list[dict]:
    """What a hand match could pick for a line of ``amount``: on the same side (money in: a
    receipt or card payment not matched yet; money out: a refund, or a payout sent to the
    bank), of the line's payment ``method`` and, for a bank line, booked on its bank account's
    ledger code ``bank_code`` (what a hand match may take), within ±1 yuan and,
    as the rules' window, received within ``window_days`` of ``day`` (the line's value date,
    UTC+8) — a refund made by then; for money into the bank, orders still awaiting a transfer
    of about that amount too."""
    low, high = abs(amount) - 100, abs(amount) + 100
    first, last = day - timedelta(days=window_days), day + timedelta(days=window_days)
    since, until = value_moment(first), value_moment(last + timedelta(days=1))
    found = []
    # A bank line's counterparts are those booked on its bank account's ledger code.
    on_account = (
        (lambda column: cash.booked_on(column, bank_code)) if bank_code else (lambda _: sa.true())
    )
    if amount > 0:
        matched = sa.select(Match.target_id).where(Match.target_kind == "payment")
        found += _near(
            session, "payment", Payment.amount_minor, low, high, currency,
            Payment.method == method, Payment.status.in_(RECEIVED), Payment.id.not_in(matched),
            on_account(Payment.bank_account_id),
            sa.or_(
                Payment.value_date.between(first, last),
                sa.and_(Payment.value_date.is_(None),
                        Payment.created_at >= since, Payment.created_at < until),
            ),
        )  # fmt: skip
    if amount < 0:
        matched = sa.select(Match.target_id).where(Match.target_kind == "refund")
        found += _near(
            session, "refund", Refund.amount_minor, low, high, currency,
            Refund.method == method, Refund.created_at < until, Refund.id.not_in(matched),
            on_account(Refund.bank_account_id),
        )  # fmt: skip
    if method == PaymentMethod.BANK_TRANSFER and amount < 0:
        found += _near(
            session, "payout", Payout.amount_minor, low, high, currency,
            Payout.status == PayoutStatus.SUBMITTED,
            cash.payouts_booked_on(bank_code) if bank_code else sa.true(),
        )  # fmt: skip
    if method != PaymentMethod.STRIPE and amount > 0:
        found += _near(
            session, "order", Order.price_minor, low, high, currency,
            Order.status == OrderStatus.AWAITING_PAYMENT,
        )  # fmt: skip
    return found


def ledger_code(session: Session, line: BankLine) -> str:
    """The ledger account of the bank account a line is on."""
    account = session.get(BankAccount, line.bank_account_id)
    return account.ledger_account if account else books.BANK


def _stripe_payouts_near(session: Session, line: BankLine) -> list[dict]:
    """Money in: the open Stripe payouts of about that amount (±1 yuan), to match by hand."""
    if line.amount_minor <= 0:
        return []
    bt = StripeBalanceTransaction
    return [
        _candidate("stripe_payout", row.id, -row.amount, row.currency)
        for row in session.scalars(
            sa.select(bt)
            .where(
                bt.reporting_category == "payout",
                bt.state == ItemState.UNRECONCILED,
                bt.currency == line.currency,
                sa.between(-bt.amount, line.amount_minor - 100, line.amount_minor + 100),
            )
            .order_by(bt.created.desc())
            .limit(5)
        )
    ]


def _exceptions(
    session: Session, pending: _Pending, result: RunResult, now: datetime, window_days: int
) -> None:
    problems = {}
    for problem in pending.problems:
        subject = (
            ("stripe", problem.get("stripe_line_id"))
            if problem.get("stripe_line_id")
            else ("bank", problem.get("bank_line_id"))
        )
        problems.setdefault(subject, problem)
    bt = StripeBalanceTransaction
    # A Stripe payout is in transit, not a problem, until the bank has had its days to show it.
    statement_end = session.scalar(sa.select(sa.func.max(BankLine.value_date)))
    for row in session.execute(
        sa.select(
            bt.id, bt.amount, bt.currency, bt.reporting_category, bt.source_id, bt.created
        ).where(bt.state == ItemState.UNRECONCILED)
    ):
        if row.reporting_category == "payout":
            if (
                statement_end is None
                or row.created.date() + timedelta(days=window_days) > statement_end
            ):
                continue
            # Booked in transit on import: what is missing is the bank's line, not the books'.
            problems.setdefault(
                ("stripe", row.id),
                {"kind": "missing_at_bank", "stripe_line_id": row.id, "amount_minor": row.amount,
                 "currency": row.currency,
                 "detail": f"Stripe payout {row.source_id or ''} is on no bank statement line",
                 "candidates": []},
            )  # fmt: skip
            continue
        problems.setdefault(
            ("stripe", row.id),
            {"kind": "missing_in_ledger", "stripe_line_id": row.id, "amount_minor": row.amount,
             "currency": row.currency,
             "detail": f"Stripe {row.reporting_category} {row.source_id or ''} is not in the books",
             "candidates": _suggest(session, row.amount, row.currency, PaymentMethod.STRIPE,
                                    row.created.astimezone(CHINA_STANDARD_TIME).date(),
                                    window_days)},
        )  # fmt: skip
    for line in _open_bank_lines(session):
        problems.setdefault(
            ("bank", line.id),
            {"kind": "unmatched", "bank_line_id": line.id, "amount_minor": line.amount_minor,
             "currency": line.currency,
             "detail": f"{line.counterparty_name or ''} {line.remark or ''}".strip()[:500],
             "candidates": _suggest(session, line.amount_minor, line.currency,
                                    PaymentMethod.BANK_TRANSFER, line.value_date, window_days,
                                    ledger_code(session, line))
             + _stripe_payouts_near(session, line)},
        )  # fmt: skip
    for payment in _missing_at_stripe(session):
        problems.setdefault(
            ("payment", payment.id),
            {"kind": "missing_at_stripe", "payment_id": payment.id,
             "amount_minor": payment.amount_minor, "currency": payment.currency,
             "detail": f"charge {payment.stripe_charge_id} is in no Stripe line imported",
             "candidates": []},
        )  # fmt: skip
    current = {}
    for exception in session.scalars(
        sa.select(ReconException).where(
            ReconException.status == ExceptionStatus.OPEN,
            ReconException.assertion_id.is_(None),  # the balance assertions keep their own
            # A hand match with a difference waits for the difference to be explained.
            ReconException.kind != "hand_match_difference",
        )
    ):
        current[_subject(exception)] = exception
    for subject, exception in current.items():
        if subject not in problems:
            exception.status, exception.resolution = ExceptionStatus.RESOLVED, "matched"
            exception.resolved_at = now
            result.closed += 1
    for subject, problem in problems.items():
        if subject in current:
            current[subject].candidates = problem["candidates"]
            if problem["kind"] == "missing_at_bank":  # opened under the old kind's name
                current[subject].kind = problem["kind"]
                current[subject].detail = problem["detail"]
            continue
        session.add(ReconException(status=ExceptionStatus.OPEN, opened_at=now, **problem))
        result.opened += 1


def _subject(exception: ReconException) -> tuple[str, int]:
    if exception.stripe_line_id:
        return "stripe", exception.stripe_line_id
    if exception.bank_line_id:
        return "bank", exception.bank_line_id
    return "payment", exception.payment_id


def _missing_at_stripe(session: Session) -> list[Payment]:
    newest = session.scalar(sa.select(sa.func.max(StripeBalanceTransaction.created)))
    if newest is None:
        return []
    matched = sa.select(Match.target_id).where(
        Match.target_kind == "payment", Match.stripe_line_id.is_not(None)
    )
    reported = sa.select(StripeBalanceTransaction.charge_id).where(
        StripeBalanceTransaction.charge_id.is_not(None)
    )
    return list(
        session.scalars(
            sa.select(Payment).where(
                Payment.method == PaymentMethod.STRIPE,
                Payment.status.in_(RECEIVED),
                Payment.stripe_charge_id.is_not(None),
                Payment.completed_at < newest,
                Payment.id.not_in(matched),
                Payment.stripe_charge_id.not_in(reported),
            )
        )
    )
