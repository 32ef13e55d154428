"""Refunds to send (待退款): a bank-paid order's refund is money the exchange owes the buyer
until finance transfers it back, ``to_send → sent → paid``.

Trading books the refund as a payable to the buyer (``liabilities:refunds_payable:org:<id>``)
and leaves it ``to_send``. Finance sends it to the buyer's confirmed payee account (the same
accounts payouts use, ``payees``) quoting the refund's reference ``SJ-REFUND-<id>``: payable →
refunds in transit. The bank statement line quoting the reference, money out of the same
amount, confirms it on its value date: in transit → bank (the matcher's ``refund_reference``
rule, or finance by hand). Nothing leaves the books as paid before the bank shows it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.errors import Conflict, NotFound
from market.finance import audit, cash, payees
from market.finance import books as finance_books
from market.finance.payouts import CHINA_STANDARD_TIME, check_value_date, value_moment
from market.identity.models import User
from market.states import Actor, Machine
from market.text import N_
from market.trading.models import Order, Refund, RefundStatus, RefundTransferStatus


class TransferAction(enum.StrEnum):
    """What can happen to a refund's transfer."""

    SEND = "send"
    PAY = "pay"


TRANSFER_MOVES = Machine(
    {
        (RefundTransferStatus.TO_SEND, TransferAction.SEND): (
            RefundTransferStatus.SENT,
            frozenset({Actor.FINANCE}),
        ),
        # Paid is read off the bank statement: by finance, or by the matcher.
        (RefundTransferStatus.SENT, TransferAction.PAY): (
            RefundTransferStatus.PAID,
            frozenset({Actor.FINANCE, Actor.SYSTEM}),
        ),
    },
    illegal=N_("This refund cannot do that in its current status."),
)


def allowed_actions(refund: Refund) -> list[TransferAction]:
    """What finance may do with a refund's transfer now (drives the buttons)."""
    if refund.transfer_status is None:
        return []
    return TRANSFER_MOVES.allowed_actions(refund.transfer_status, Actor.FINANCE)


def listing(status: RefundTransferStatus | None = None) -> sa.Select:
    """Bank refunds followed as transfers (in one status, if given), oldest first."""
    query = (
        sa.select(Refund)
        .where(Refund.transfer_status.is_not(None), Refund.status == RefundStatus.SUCCEEDED)
        .order_by(Refund.id)
    )
    return query if status is None else query.where(Refund.transfer_status == status)


def refund_or_404(session: Session, refund_id: int, lock: bool = False) -> Refund:
    """A bank refund followed as a transfer, or 404."""
    refund = session.get(Refund, refund_id, with_for_update=lock)
    if refund is None or refund.transfer_status is None:
        raise NotFound(N_("No such refund to send."))
    return refund


def payee_of(session: Session, refund: Refund):
    """Where the refund goes: the payee account it was sent to, or the buyer's confirmed one."""
    if refund.payee_account is not None:
        return refund.payee_account
    return payees.active(session, refund.order.buyer_organisation_id)


def send(
    session: Session, refund_id: int, user: User, now: datetime, bank_account_id: int | None = None
) -> Refund:
    """Finance sent the transfer to the buyer's confirmed payee account from the exchange's
    bank account ``bank_account_id`` (the currency's default if not given): payable → in
    transit. Refused (409) while the buyer has no confirmed account: there is nowhere to send
    it."""
    refund = refund_or_404(session, refund_id, lock=True)
    status = TRANSFER_MOVES.next(refund.transfer_status, TransferAction.SEND, Actor.FINANCE)
    account = cash.account_for(session, bank_account_id, refund.currency)
    order = session.get(Order, refund.order_id)
    payee = payees.active(session, order.buyer_organisation_id)
    if payee is None:
        raise Conflict(
            N_("The buyer has no confirmed payee account to send the refund to."),
            organisation_id=order.buyer_organisation_id,
        )
    finance_books.buyer_refund_sent(
        session, refund.id, order.buyer_organisation_id, refund.amount_minor, refund.currency,
        now,
    )  # fmt: skip
    refund.transfer_status = status
    refund.payee_account_id, refund.sent_by_id, refund.sent_at = payee.id, user.id, now
    refund.bank_account_id = account.id if account is not None else None
    _audit(session, "refund_sent", refund, Actor.FINANCE, user, now,
           organisation_id=order.buyer_organisation_id, payee_id=payee.id,
           bank_account_id=refund.bank_account_id)  # fmt: skip
    return refund


def _audit(session: Session, action: str, refund: Refund, actor: Actor, user, now, **more):
    """A refund transfer's action in the audit trail (by the matcher when ``actor`` is the
    system)."""
    audit.record(
        session, action, f"refund:{refund.id}", user, now, order_id=refund.order_id,
        amount=refund.amount_minor, currency=refund.currency,
        by_matching=True if actor == Actor.SYSTEM else None, **more,
    )  # fmt: skip


def mark_paid(
    session: Session, refund_id: int, value_date: date, bank_reference: str, now: datetime,
    actor: Actor = Actor.FINANCE, bank_account_id: int | None = None, user: User | None = None,
) -> Refund:  # fmt: skip
    """The bank statement shows the refund left our account: in transit → the ledger code of
    the bank account it was sent from (``bank_account_id``, if given, must be it), on the value
    date. Recording it again with the same reference and value date changes nothing."""
    refund = refund_or_404(session, refund_id, lock=True)
    cash.check_sent_through(session, bank_account_id, refund.bank_account_id)
    if (
        refund.transfer_status == RefundTransferStatus.PAID
        and refund.bank_reference == bank_reference
    ):
        if refund.value_date != value_date:
            raise Conflict(
                N_("This refund was recorded paid with another value date."),
                field="value_date", recorded=refund.value_date.isoformat(),
            )  # fmt: skip
        return refund
    status = TRANSFER_MOVES.next(refund.transfer_status, TransferAction.PAY, actor)
    if actor == Actor.FINANCE:
        _check_value_date(refund, value_date, now)
    finance_books.buyer_refund_paid(
        session, refund.id, refund.amount_minor, refund.currency, value_moment(value_date),
        bank_reference, cash.code(refund.bank_account),
    )  # fmt: skip
    refund.transfer_status = status
    refund.value_date, refund.bank_reference = value_date, bank_reference
    _audit(session, "refund_paid", refund, actor, user, now,
           value_date=value_date.isoformat(), bank_reference=bank_reference)  # fmt: skip
    return refund


def sent_day(refund: Refund) -> date | None:
    """The day (UTC+8) finance sent the refund, if it has."""
    if refund.sent_at is None:
        return None
    return refund.sent_at.astimezone(CHINA_STANDARD_TIME).date()


def _check_value_date(refund: Refund, value_date: date, now: datetime) -> None:
    check_value_date(
        value_date, sent_day(refund), now, N_("The value date is before the refund was sent.")
    )
