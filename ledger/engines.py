"""What the ledger expects of a SQLite engine, as one function the application calls.

Python's ``sqlite3`` starts transactions lazily (before the first write, not the first read) and
leaves foreign keys off. The ledger needs real transactions (its reads and writes belong
together) and foreign keys on (postings reference their entry through a deferred foreign key).
This is SQLAlchemy's documented recipe for pysqlite, plus ``foreign_keys``, WAL and a busy
timeout. PostgreSQL needs nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event


def configure_sqlite(
    engine: Engine,
    *,
    begin: str = "BEGIN",
    busy_timeout_ms: int = 10_000,
    synchronous: str = "NORMAL",
) -> None:
    """Give a SQLite engine what the ledger relies on.

    ``begin`` is the statement that opens each transaction: ``"BEGIN"`` (deferred, readers do not
    block writers) or ``"BEGIN IMMEDIATE"`` (a writer takes the write lock at once, so busy
    conflicts happen at the start of a unit of work instead of in its middle). ``synchronous``
    ``NORMAL`` with WAL is durable across application crashes; use ``FULL`` to survive power
    loss at the cost of one fsync per commit. ``market.db.make_engine`` does the same.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)
