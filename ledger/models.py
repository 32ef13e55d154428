"""The ledger's tables: accounts, entries, postings, holds, periods and the hash chain.

Every table is prefixed ``ledger_`` and lives in the ledger's own ``metadata`` so the shared
Alembic history can target ``[market_metadata, ledger.models.metadata]``. The triggers that
make entries and postings append-only and refuse unbalanced entries are in ``ledger.ddl``.

Amounts are ``BIGINT`` minor units. A posting's ``amount`` is signed: positive is a debit,
negative a credit, so an entry balances when its postings sum to zero per currency.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# SQLite only makes INTEGER PRIMARY KEY an auto-assigned rowid; PostgreSQL gets BIGSERIAL.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on both engines.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so values are stored as UTC
    text (fixed width, so text order is time order, which the SQLite triggers rely on) and come
    back with ``tzinfo=UTC``. Naive datetimes are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the ledger stores timezone-aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of the ledger's models only."""

    metadata = metadata


ACCOUNT_TYPES = ("asset", "liability", "equity", "revenue", "expense")
SIDES = ("debit", "credit")


class Account(Base):
    """An account of the chart (科目), in one currency, with its stored balances.

    The four stored totals are maintained in the same transaction as the postings and holds that
    change them; the CHECK constraints make the database refuse any update that crosses a limit.
    Limits apply to the balance on the account's normal side; pending holds count against them
    (a reservation lowers the available balance the moment it is made).
    """

    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    type: Mapped[str] = mapped_column(String(16))
    normal_side: Mapped[str] = mapped_column(String(6))
    lower_limit: Mapped[int | None] = mapped_column(BigInteger)
    upper_limit: Mapped[int | None] = mapped_column(BigInteger)
    debits_posted: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    credits_posted: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    debits_pending: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    credits_pending: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("code", "currency"),
        # Target of the postings' composite foreign key: a posting's currency is its account's.
        UniqueConstraint("id", "currency"),
        CheckConstraint(
            "type IN ('asset', 'liability', 'equity', 'revenue', 'expense')", name="type"
        ),
        CheckConstraint("normal_side IN ('debit', 'credit')", name="normal_side"),
        CheckConstraint("length(currency) = 3", name="currency"),
        CheckConstraint(
            "debits_posted >= 0 AND credits_posted >= 0 "
            "AND debits_pending >= 0 AND credits_pending >= 0",
            name="totals",
        ),
        CheckConstraint(
            "lower_limit IS NULL OR (CASE WHEN normal_side = 'debit' "
            "THEN debits_posted - credits_posted - credits_pending "
            "ELSE credits_posted - debits_posted - debits_pending END) >= lower_limit",
            name="lower_limit",
        ),
        CheckConstraint(
            "upper_limit IS NULL OR (CASE WHEN normal_side = 'debit' "
            "THEN debits_posted + debits_pending - credits_posted "
            "ELSE credits_posted + credits_pending - debits_posted END) <= upper_limit",
            name="upper_limit",
        ),
    )


class Entry(Base):
    """A journal entry (分錄): two or more postings that balance per currency, never changed.

    ``request_hash`` is the SHA-256 of the request that created it, compared when the same
    idempotency key comes again. ``posting_count`` seals the entry: the database checks, when the
    entry row is inserted after its postings, that exactly that many postings exist and balance.
    """

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(500), server_default=text("''"))
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    posting_count: Mapped[int] = mapped_column(SmallInteger)
    reverses_entry_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("ledger_entries.id"), unique=True
    )
    hold_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("ledger_holds.id"), unique=True
    )
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)

    __table_args__ = (CheckConstraint("posting_count >= 2", name="posting_count"),)


class Posting(Base):
    """One leg of an entry: a signed amount on one account (positive debit, negative credit).

    ``effective_at`` repeats the entry's (the database checks they agree) so that statements and
    as-of balances read one index, ``(account_id, effective_at)``.
    """

    __tablename__ = "ledger_postings"

    entry_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("ledger_entries.id", deferrable=True, initially="DEFERRED"),
        primary_key=True,
    )
    leg: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "currency"], ["ledger_accounts.id", "ledger_accounts.currency"]
        ),
        CheckConstraint("amount <> 0", name="amount"),
        CheckConstraint("leg >= 1", name="leg"),
        Index("ix_ledger_postings_account_effective", "account_id", "effective_at"),
    )


HOLD_STATUSES = ("pending", "posted", "voided", "expired")


class Hold(Base):
    """A two-phase transfer (預留): an amount reserved from one account to another.

    While pending it counts in both accounts' pending totals; it then ends once as posted (an
    entry for up to the amount), voided or expired.
    """

    __tablename__ = "ledger_holds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    debit_account_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("ledger_accounts.id"))
    credit_account_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("ledger_accounts.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(8))
    posted_amount: Mapped[int | None] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(String(500), server_default=text("''"))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("status IN ('pending', 'posted', 'voided', 'expired')", name="status"),
        CheckConstraint(
            "posted_amount IS NULL OR (posted_amount > 0 AND posted_amount <= amount)",
            name="posted_amount",
        ),
        CheckConstraint("debit_account_id <> credit_account_id", name="accounts"),
        Index("ix_ledger_holds_status_expires", "status", "expires_at"),
    )


class Period(Base):
    """An accounting period (會計期間), ``[starts_at, ends_at)``; once closed it never reopens."""

    __tablename__ = "ledger_periods"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(6), server_default=text("'open'"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(200))
    close_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_requested_by: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="range"),
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        Index("ix_ledger_periods_range", "starts_at", "ends_at"),
    )


class ChainLink(Base):
    """A link of the tamper-evident chain: ``hash = SHA-256(prev_hash, seq, entry digest)``."""

    __tablename__ = "ledger_chain_links"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("ledger_entries.id"), unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChainQueue(Base):
    """Entries recorded but not yet chained; filled by a trigger, emptied by ``seal_chain``."""

    __tablename__ = "ledger_chain_queue"

    entry_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_entries.id"), primary_key=True, autoincrement=False
    )


accounts = Account.__table__
entries = Entry.__table__
postings = Posting.__table__
holds = Hold.__table__
periods = Period.__table__
chain_links = ChainLink.__table__
chain_queue = ChainQueue.__table__
