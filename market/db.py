"""The database layer: one declarative base, engines for SQLite and PostgreSQL, the unit of work.

A web request, a CLI command or a worker job owns one session and commits once; services take
that session as an argument and never commit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC timestamps")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(enum_class) -> sa.Enum:
    """A portable enum column type storing the members' values (VARCHAR, no native type)."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    """Declarative base of every ``market`` model."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def _sqlite_pragmas(busy_timeout_ms: int):
    def configure(dbapi_connection, _record) -> None:
        # Foreign keys are off by default in SQLite; WAL lets readers run beside the one writer.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    return configure


def is_busy(error: sa.exc.OperationalError) -> bool:
    """Whether a database error means "busy, try again" (a lock not had in time)."""
    original = getattr(error, "orig", None)
    # PostgreSQL: lock_not_available, serialization_failure, deadlock_detected.
    if getattr(original, "sqlstate", None) in {"55P03", "40001", "40P01"}:
        return True
    message = str(original or error).lower()
    return "database is locked" in message or "database is busy" in message


def _sqlite_begin(connection) -> None:
    # pysqlite's own transaction handling is off (below), so BEGIN is ours: take the write
    # lock up front, which turns write-write races into waits instead of failed upgrades.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, busy_timeout_ms: int = 10_000, **options) -> sa.Engine:
    """An engine for ``url`` with the settings Shujiao relies on for that dialect.

    ``busy_timeout_ms``: how long SQLite waits for another writer before giving up.
    """
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, **options)
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))

        @event.listens_for(engine, "connect")
        def _no_pysqlite_transactions(dbapi_connection, _record):
            dbapi_connection.isolation_level = None

        event.listen(engine, "begin", _sqlite_begin)
        return engine
    options.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **options)


class Database:
    """An engine and its session factory; kept on the app as ``app.extensions['db']``."""

    def __init__(self, url: str, **options) -> None:
        self.engine = make_engine(url, **options)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session that commits once at the end, or rolls back on any exception."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
