"""Which of the exchange's bank accounts money went through (收付款賬戶).

A bank receipt, a payout batch and a bank refund each name the bank account they used, and
are booked on that account's own ledger code, so the statement lines of that account match
them. Naming none takes the currency's default account; when no account of the currency is
registered at all, the money is booked on ``assets:bank`` with no account, as before accounts
were named. The account must exist, be open and be in the money's currency (a 422 naming the
field otherwise).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.errors import Conflict, InvalidInput, NotFound
from market.finance import audit
from market.finance.models import BankAccount
from market.identity.models import User
from market.text import N_
from market.trading import books
from market.trading.models import Payment, PaymentMethod, Payout, PayoutBatch, Refund

FIELD = "bank_account_id"


def default_account(session: Session, currency: str) -> BankAccount | None:
    """The currency's default bank account (open), if one is marked."""
    return session.scalar(
        sa.select(BankAccount).where(
            BankAccount.currency == currency,
            BankAccount.is_default.is_(True),
            BankAccount.closed_at.is_(None),
        )
    )


def account_for(
    session: Session, account_id: int | None, currency: str, field: str = FIELD
) -> BankAccount | None:
    """The bank account money in ``currency`` goes through: ``account_id`` if given, else the
    currency's default; ``None`` only while no account of the currency is registered."""
    if account_id is None:
        account = default_account(session, currency)
        if account is not None:
            return account
        # A closed account counts: once accounts are named, money never falls back to the
        # catch-all ``assets:bank`` unnoticed.
        registered = session.scalar(
            sa.select(sa.func.count()).select_from(BankAccount)
            .where(BankAccount.currency == currency)
        )  # fmt: skip
        if registered:
            raise InvalidInput(
                N_("Choose the exchange's bank account: no account is the default of this "
                   "currency."),
                field=field, currency=currency,
            )  # fmt: skip
        return None
    account = session.get(BankAccount, account_id)
    if account is None:
        raise InvalidInput(N_("No such bank account of the exchange."), field=field)
    if account.closed_at is not None:
        raise InvalidInput(N_("This bank account is closed."), field=field, account=account.name)
    if account.currency != currency:
        raise InvalidInput(
            N_("This bank account is in another currency."),
            field=field, held=account.currency, currency=currency,
        )  # fmt: skip
    return account


def code(account: BankAccount | None) -> str:
    """The ledger code money through ``account`` is booked on."""
    return account.ledger_account if account is not None else books.BANK


def booked_on(column, ledger_code: str):
    """SQL: the ``bank_account_id`` ``column`` names an account booked on ``ledger_code`` (or
    none, which was booked on ``assets:bank``)."""
    accounts = sa.select(BankAccount.id).where(BankAccount.ledger_account == ledger_code)
    if ledger_code == books.BANK:
        return sa.or_(column.is_(None), column.in_(accounts))
    return column.in_(accounts)


def payouts_booked_on(ledger_code: str):
    """SQL: a payout whose batch left through an account booked on ``ledger_code``."""
    return Payout.batch_id.in_(
        sa.select(PayoutBatch.id).where(booked_on(PayoutBatch.bank_account_id, ledger_code))
    )


def target_code(target) -> str:
    """The ledger account a payment, refund or payout moved money on."""
    if isinstance(target, Payout):
        return code(target.batch.bank_account)
    if isinstance(target, Payment | Refund) and target.method == PaymentMethod.BANK_TRANSFER:
        return code(target.bank_account)
    return books.cash_account(target.method)


def mark_default(session: Session, account_id: int, user: User | None, now) -> BankAccount:
    """Make an open account the default of its currency (the former default is no longer), in
    the audit trail."""
    account = session.get(BankAccount, account_id)
    if account is None:
        raise NotFound(N_("No such bank account."), field=FIELD)
    if account.closed_at is not None:
        raise Conflict(N_("This bank account is closed."), field=FIELD, account=account.name)
    if not account.is_default:
        make_default(session, account)
        audit.record(
            session, "bank_account_default", f"bank_account:{account.id}", user, now,
            name=account.name, currency=account.currency,
        )  # fmt: skip
    return account


def make_default(session: Session, account: BankAccount) -> None:
    """Make ``account`` the default of its currency, and no other account."""
    session.execute(
        sa.update(BankAccount)
        .where(BankAccount.currency == account.currency, BankAccount.id != account.id)
        .values(is_default=False)
    )
    session.flush()
    account.is_default = True
    session.flush()


def close(session: Session, account_id: int, user: User | None, now) -> BankAccount:
    """Close an account: it takes no new receipt, payout batch or refund (its statements are
    still imported and matched); it stops being the default. In the audit trail."""
    account = session.get(BankAccount, account_id)
    if account is None:
        raise NotFound(N_("No such bank account."), field=FIELD)
    if account.closed_at is None:
        account.closed_at, account.is_default = now, False
        audit.record(
            session, "bank_account_closed", f"bank_account:{account.id}", user, now,
            name=account.name, currency=account.currency,
        )  # fmt: skip
    return account


def open_accounts() -> sa.Select:
    """The exchange's open bank accounts, by currency, the default first (the forms' choices)."""
    return (
        sa.select(BankAccount)
        .where(BankAccount.closed_at.is_(None))
        .order_by(BankAccount.currency, BankAccount.is_default.desc(), BankAccount.id)
    )


def recent_receipts() -> sa.Select:
    """Bank receipts, newest first."""
    return (
        sa.select(Payment)
        .where(Payment.method == PaymentMethod.BANK_TRANSFER)
        .order_by(Payment.id.desc())
    )


def check_sent_through(session: Session, account_id: int | None, used_id: int | None) -> None:
    """A bank account named when recording money paid (``account_id``) must be the one it was
    sent through (``used_id``): a 422 naming the field otherwise."""
    if account_id is None:
        return
    if session.get(BankAccount, account_id) is None:
        raise InvalidInput(N_("No such bank account of the exchange."), field=FIELD)
    if account_id != used_id:
        raise InvalidInput(
            N_("The money was sent through another bank account."), field=FIELD, sent_from=used_id
        )
