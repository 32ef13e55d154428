"""The database layer: one declarative base, engines for SQLite and PostgreSQL, the unit of work.

A web request, a CLI command or a worker job owns one session and commits once; services take
that session as an argument and never commit.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from ledger.models import Base as LedgerBase

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


# A dialect's attributes that it builds from its class and its other attributes (helpers and
# memos), or that only serve its connections; they say nothing about how it writes SQL.
_DIALECT_HELPERS = frozenset(
    {
        "identifier_preparer",
        "type_compiler",
        "type_compiler_instance",
        "_type_memos",
        "_psycopg_adapters_map",
    }
)


@functools.cache
def _memoised(cls, name: str) -> bool:
    """Whether ``name`` is a value the class works out from the others the first time it is
    read (a memoised property: a descriptor that keeps its result in the instance), so that an
    instance has it or not depending on what it was asked so far."""
    attribute = inspect.getattr_static(cls, name, None)
    return (
        hasattr(attribute, "__get__")
        and not hasattr(attribute, "__set__")
        and not inspect.isfunction(attribute)
    )


# Each dialect's settings as last worked out, with how many attributes it had then: a
# dialect gains attributes (its first connection's findings, memoised properties) but does
# not change them, and the settings are read for every statement run.
_SETTINGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def dialect_settings(dialect) -> tuple:
    """:func:`read_dialect_settings`, worked out again only when the dialect gained an
    attribute since."""
    known = _SETTINGS.get(dialect)
    if known is None or known[0] != len(vars(dialect)):
        known = _SETTINGS[dialect] = (len(vars(dialect)), read_dialect_settings(dialect))
    return known[1]


def read_dialect_settings(dialect) -> tuple:
    """What SQL ``dialect`` writes depends on: its class and its settings (the server's version
    included, read at the first connection). Two engines' dialects with equal settings compile
    a statement to the same SQL. A setting that cannot be compared keeps the dialect to
    itself."""
    settings = []
    for name, value in sorted(vars(dialect).items()):
        if name in _DIALECT_HELPERS or _memoised(type(dialect), name):
            continue
        try:
            hash(value)
        except TypeError:
            return (dialect,)
        settings.append((name, value))
    return (type(dialect), tuple(settings))


class CompiledStatements(MutableMapping):
    """SQL compiled by any engine of the process, for every engine whose dialect is set up
    alike (:func:`dialect_settings`): a least-recently-used cache of ``capacity`` statements.

    SQLAlchemy keeps the statements an engine compiled in that engine's cache, and those a
    mapper's flush compiled in the mapper's, both keyed by the dialect object, so every new
    engine compiled every statement again: the test suite builds an engine per test, and
    compiling was a tenth of its CPU. Here the key names the dialect by its settings. A
    production process builds one engine, for which this is the cache it had, at the same
    size.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(key):
        # SQLAlchemy's key: (dialect, statement's cache key, column keys, schema map?, many?).
        if isinstance(key, tuple) and key and isinstance(key[0], sa.engine.Dialect):
            return (dialect_settings(key[0]), *key[1:])
        return key

    def __getitem__(self, key):
        key = self._key(key)
        with self._lock:
            compiled = self._items[key]
            self._items.move_to_end(key)
            return compiled

    def __setitem__(self, key, compiled) -> None:
        key = self._key(key)
        with self._lock:
            self._items[key] = compiled
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def __delitem__(self, key) -> None:
        with self._lock:
            del self._items[self._key(key)]

    def __iter__(self):
        with self._lock:
            return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)


# SQLAlchemy's default sizes: 500 statements for an engine, 100 for a mapper's flushes.
STATEMENTS = CompiledStatements(500)
_FLUSH_STATEMENT_CAPACITY = 100


def share_flush_statements() -> None:
    """Give every mapper (the market's models and the ledger's) a :class:`CompiledStatements`
    for the INSERT, UPDATE and DELETE statements of its flushes, in place of SQLAlchemy's own
    cache keyed by the dialect object. Idempotent; a mapper configured later gets one at the
    next call."""
    sa.orm.configure_mappers()
    for registry in (Base.registry, LedgerBase.registry):
        for mapper in registry.mappers:
            if not isinstance(mapper.__dict__.get("_compiled_cache"), CompiledStatements):
                mapper._compiled_cache = CompiledStatements(_FLUSH_STATEMENT_CAPACITY)  # noqa: SLF001


def make_engine(url: str, busy_timeout_ms: int = 10_000, **options) -> sa.Engine:
    """An engine for ``url`` with the settings Shujiao relies on for that dialect.

    ``busy_timeout_ms``: how long SQLite waits for another writer before giving up. Compiled
    statements are kept in the process's :data:`STATEMENTS`, shared with every engine whose
    dialect writes the same SQL.
    """
    options["execution_options"] = {
        "compiled_cache": STATEMENTS,
        **options.get("execution_options", {}),
    }
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
        share_flush_statements()
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
