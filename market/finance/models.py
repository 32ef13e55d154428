"""Finance models: payee bank accounts of organisations and Stripe's balance transactions.

Money itself lives in the ledger; these rows are what finance needs beside it: where a provider
is paid (confirmed by a second finance user), and the ids reconciliation joins the ledger on
(Stripe's balance transaction, charge, refund, payout and dispute ids, unique or indexed).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from market.db import Base, enum_type, utcnow
from market.identity.models import Organisation, User
from market.text import N_


class PayeeStatus(enum.StrEnum):
    """Where a payee account stands: a change waits for a second finance user."""

    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


PAYEE_STATUS_LABELS = {
    PayeeStatus.PENDING: N_("Waiting for a second confirmation"),
    PayeeStatus.ACTIVE: N_("Active"),
    PayeeStatus.REJECTED: N_("Rejected"),
    PayeeStatus.SUPERSEDED: N_("Replaced"),
}


class PayeeAccount(Base):
    """A bank account an organisation is paid to (收款賬戶). One is active at a time; a new one
    is pending until a finance user other than the one who entered it confirms it."""

    __tablename__ = "finance_payee_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    status: Mapped[PayeeStatus] = mapped_column(enum_type(PayeeStatus), index=True)
    account_name: Mapped[str] = mapped_column(sa.String(200))
    bank_name: Mapped[str] = mapped_column(sa.String(200))
    branch_name: Mapped[str | None] = mapped_column(sa.String(200))
    account_number: Mapped[str] = mapped_column(sa.String(34))
    # 大額支付系統行號: 12 digits, mainland banks only.
    cnaps_code: Mapped[str | None] = mapped_column(sa.String(12))
    swift_bic: Mapped[str | None] = mapped_column(sa.String(11))
    iban: Mapped[str | None] = mapped_column(sa.String(34))
    note: Mapped[str | None] = mapped_column(sa.Text)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class ItemState(enum.StrEnum):
    """Where a statement line (or a Stripe line) stands in reconciliation."""

    UNRECONCILED = "unreconciled"
    PARTIAL = "partially_reconciled"
    RECONCILED = "reconciled"
    ARCHIVED = "archived"


def present(name: str, column: str) -> sa.Index:
    """An index of ``column`` over the rows where it is not NULL (both engines use it for
    ``column = value`` and joins on it, which imply as much)."""
    where = sa.text(f"{column} IS NOT NULL")
    return sa.Index(name, column, postgresql_where=where, sqlite_where=where)


class StripeBalanceTransaction(Base):
    """One line of Stripe's balance (a charge, refund, payout, dispute withdrawal, fee ...)
    as imported, with the ids the ledger is matched on and what was booked for it."""

    __tablename__ = "finance_stripe_balance_transactions"
    __table_args__ = tuple(
        present(f"ix_finance_stripe_balance_transactions_{name}", name)
        for name in ("refund_id", "payout_id", "dispute_id")
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    type: Mapped[str] = mapped_column(sa.String(40))
    reporting_category: Mapped[str | None] = mapped_column(sa.String(40))
    # Balance currency amounts, in minor units: amount = gross, net = amount - fee.
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    fee: Mapped[int] = mapped_column(sa.BigInteger)
    net: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    # What the customer paid, when Stripe converted it into the balance currency.
    customer_facing_amount: Mapped[int | None] = mapped_column(sa.BigInteger)
    customer_facing_currency: Mapped[str | None] = mapped_column(sa.String(3))
    exchange_rate: Mapped[str | None] = mapped_column(sa.String(32))
    # Kept, not indexed: nothing looks a line up by them, and every index costs each insert.
    source_id: Mapped[str | None] = mapped_column(sa.String(255))
    charge_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    payment_intent_id: Mapped[str | None] = mapped_column(sa.String(255))
    # Indexed where present only (``__table_args__``): most lines are charges, and an index
    # entry for every NULL cost each import of 100,000 lines 0.2 CPU seconds for nothing.
    refund_id: Mapped[str | None] = mapped_column(sa.String(255))
    payout_id: Mapped[str | None] = mapped_column(sa.String(255))
    dispute_id: Mapped[str | None] = mapped_column(sa.String(255))
    description: Mapped[str | None] = mapped_column(sa.String(500))
    created: Mapped[datetime] = mapped_column(index=True)
    available_on: Mapped[date | None] = mapped_column(sa.Date)
    # How the line came in ("api" or "csv") and what the ledger got for it.
    origin: Mapped[str] = mapped_column(sa.String(8))
    booked: Mapped[str] = mapped_column(sa.String(200), default="")
    state: Mapped[ItemState] = mapped_column(
        enum_type(ItemState), default=ItemState.UNRECONCILED, index=True
    )
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class StripeSync(Base):
    """One pull of balance transactions from Stripe's API. An unfinished pull keeps the id it
    reached (``cursor``), and the next pull resumes after it."""

    __tablename__ = "finance_stripe_syncs"

    id: Mapped[int] = mapped_column(primary_key=True)
    cursor: Mapped[str | None] = mapped_column(sa.String(255))
    pages: Mapped[int] = mapped_column(default=0)
    lines_new: Mapped[int] = mapped_column(default=0)
    lines_known: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[str | None] = mapped_column(sa.String(200))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class BankAccount(Base):
    """One of the exchange's own bank accounts, with how its statement files are read."""

    __tablename__ = "finance_bank_accounts"
    __table_args__ = (
        sa.Index(
            "uq_finance_bank_accounts_default_currency", "currency", unique=True,
            postgresql_where=sa.text("is_default"), sqlite_where=sa.text("is_default"),
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    bank_name: Mapped[str] = mapped_column(sa.String(200))
    account_number: Mapped[str] = mapped_column(sa.String(34), unique=True)
    currency: Mapped[str] = mapped_column(sa.String(3))
    # The ledger account its money is booked on.
    ledger_account: Mapped[str] = mapped_column(sa.String(200), default="assets:bank")
    # Receipts, payouts and bank refunds that name no account go through the default one of
    # their currency (at most one per currency); a closed account takes no new money.
    is_default: Mapped[bool] = mapped_column(default=False)
    closed_at: Mapped[datetime | None]
    # CSV statements: a ready layout's name, or a saved column mapping, and the file encoding.
    csv_layout: Mapped[str | None] = mapped_column(sa.String(32))
    csv_mapping: Mapped[dict | None] = mapped_column(sa.JSON)
    encoding: Mapped[str | None] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BankStatement(Base):
    """One imported statement file: its balances and where it came from."""

    __tablename__ = "finance_bank_statements"
    __table_args__ = (sa.UniqueConstraint("bank_account_id", "file_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("finance_bank_accounts.id"), index=True
    )
    file_sha256: Mapped[str] = mapped_column(sa.String(64))
    format: Mapped[str] = mapped_column(sa.String(8))
    encoding: Mapped[str | None] = mapped_column(sa.String(16))
    period_start: Mapped[date] = mapped_column(sa.Date)
    period_end: Mapped[date] = mapped_column(sa.Date)
    opening_minor: Mapped[int] = mapped_column(sa.BigInteger)
    closing_minor: Mapped[int] = mapped_column(sa.BigInteger)
    line_count: Mapped[int]
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class BankLine(Base):
    """One line of a bank statement: money in (positive) or out (negative) on a value date."""

    __tablename__ = "finance_bank_lines"
    __table_args__ = (sa.UniqueConstraint("bank_account_id", "bank_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("finance_bank_statements.id"), index=True
    )
    bank_account_id: Mapped[int] = mapped_column(sa.ForeignKey("finance_bank_accounts.id"))
    line_number: Mapped[int]
    value_date: Mapped[date] = mapped_column(sa.Date, index=True)
    booking_date: Mapped[date | None] = mapped_column(sa.Date)
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    bank_reference: Mapped[str] = mapped_column(sa.String(100))
    counterparty_name: Mapped[str | None] = mapped_column(sa.String(200))
    counterparty_account: Mapped[str | None] = mapped_column(sa.String(64))
    remark: Mapped[str | None] = mapped_column(sa.String(500))
    state: Mapped[ItemState] = mapped_column(
        enum_type(ItemState), default=ItemState.UNRECONCILED, index=True
    )
    matched_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class Match(Base):
    """One link the reconciliation made: an outside item (a Stripe line or a bank line) to what
    the books hold for it, by which rule, with any difference left."""

    __tablename__ = "finance_matches"
    __table_args__ = (present("ix_finance_matches_bank_line_id", "bank_line_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(sa.String(40))
    stripe_line_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("finance_stripe_balance_transactions.id"), index=True
    )
    # Indexed where present only: a Stripe line's match (nearly all of them) has none.
    bank_line_id: Mapped[int | None] = mapped_column(sa.ForeignKey("finance_bank_lines.id"))
    # What it was matched to: a payment, refund, payout, Stripe payout line, or an entry.
    target_kind: Mapped[str] = mapped_column(sa.String(20))
    target_id: Mapped[int | None]
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    difference_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExceptionStatus(enum.StrEnum):
    """Where an exception stands."""

    OPEN = "open"
    RESOLVED = "resolved"


class ReconException(Base):
    """Something that did not match, for finance: which item, what kind of problem, the
    candidates the matcher found, and how it was resolved."""

    __tablename__ = "finance_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    status: Mapped[ExceptionStatus] = mapped_column(enum_type(ExceptionStatus), index=True)
    stripe_line_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("finance_stripe_balance_transactions.id"), index=True
    )
    bank_line_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("finance_bank_lines.id"), index=True
    )
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("trading_payments.id"))
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    detail: Mapped[str] = mapped_column(sa.String(500))
    candidates: Mapped[list] = mapped_column(sa.JSON, default=list)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolution: Mapped[str | None] = mapped_column(sa.String(20))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    # A day's balance that open items do not explain (kind ``balance_difference``).
    assertion_id: Mapped[int | None] = mapped_column(index=True)

    @property
    def difference_minor(self) -> int | None:
        """What a match by hand left unexplained (the item's amount less its counterpart's),
        while the exception waits for it to be explained; else ``None``."""
        session = object_session(self)
        if self.kind != "hand_match_difference" or session is None:
            return None
        line = (
            (Match.bank_line_id == self.bank_line_id)
            if self.bank_line_id
            else (Match.stripe_line_id == self.stripe_line_id)
        )
        return session.scalar(
            sa.select(Match.difference_minor).where(line, Match.rule == "manual")
            .order_by(Match.id.desc()).limit(1)
        )  # fmt: skip


class Correction(Base):
    """A correcting journal entry proposed by one finance user and approved by another."""

    __tablename__ = "finance_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    exception_id: Mapped[int | None] = mapped_column(sa.ForeignKey("finance_exceptions.id"))
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    legs: Mapped[list] = mapped_column(sa.JSON)
    reason: Mapped[str] = mapped_column(sa.Text)
    proposed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    # Why the second finance user refused it (or anything they noted on approving it).
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    entry_id: Mapped[int | None]


class AuditEvent(Base):
    """Every finance action: who did what to which item (and through which API client), when,
    and the details (``market/finance/audit.py``)."""

    __tablename__ = "finance_audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    subject: Mapped[str] = mapped_column(sa.String(60), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The OAuth client the user acted through; none on the pages and the CLI.
    client_id: Mapped[str | None] = mapped_column(sa.String(100))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    user: Mapped[User | None] = relationship(lazy="joined", viewonly=True)


class AssertionStatus(enum.StrEnum):
    """How a day's statement balance stands against the ledger's."""

    AGREES = "agrees"
    EXPLAINED = "explained"
    DIFFERS = "differs"
    ACCEPTED = "accepted"


ASSERTION_STATUS_LABELS = {
    AssertionStatus.AGREES: N_("Agrees"),
    AssertionStatus.EXPLAINED: N_("Explained by open items"),
    AssertionStatus.DIFFERS: N_("Difference not explained"),
    AssertionStatus.ACCEPTED: N_("Difference accepted with a reason"),
}


class BalanceAssertion(Base):
    """One day of one reconciled account (Stripe's balance in a currency, or a bank account):
    the statement's balance at the end of the day (UTC+8) against the ledger's, and how much of
    the difference the items still open that day explain (餘額調節)."""

    __tablename__ = "finance_balance_assertions"
    __table_args__ = (sa.UniqueConstraint("account_key", "currency", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # ``stripe`` or ``bank:<id>``.
    account_key: Mapped[str] = mapped_column(sa.String(40))
    label: Mapped[str] = mapped_column(sa.String(120))
    ledger_account: Mapped[str] = mapped_column(sa.String(200))
    currency: Mapped[str] = mapped_column(sa.String(3))
    day: Mapped[date] = mapped_column(sa.Date, index=True)
    statement_minor: Mapped[int] = mapped_column(sa.BigInteger)
    ledger_minor: Mapped[int] = mapped_column(sa.BigInteger)
    # statement - ledger, and the part of it the open items account for.
    difference_minor: Mapped[int] = mapped_column(sa.BigInteger)
    open_minor: Mapped[int] = mapped_column(sa.BigInteger)
    unexplained_minor: Mapped[int] = mapped_column(sa.BigInteger)
    # Open items: carried from the day before, opened and cleared on the day, open at its end.
    carried_count: Mapped[int]
    opened_count: Mapped[int]
    cleared_count: Mapped[int]
    open_count: Mapped[int]
    status: Mapped[AssertionStatus] = mapped_column(enum_type(AssertionStatus), index=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportBuild(Base):
    """A report built by the worker (a journal too large to build inside a request) and kept
    in the file store until it is fetched or swept."""

    __tablename__ = "finance_report_builds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    format: Mapped[str] = mapped_column(sa.String(8))
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # queued → done | failed
    status: Mapped[str] = mapped_column(sa.String(12), index=True)
    file_key: Mapped[str | None] = mapped_column(sa.String(255))
    rows: Mapped[int | None]
    size: Mapped[int | None] = mapped_column(sa.BigInteger)
    error: Mapped[str | None] = mapped_column(sa.String(500))
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
