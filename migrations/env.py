"""Alembic environment: one history for ``market`` and ``ledger`` tables, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import context

from market.db import make_engine
from market.migrate import target_metadata

config = context.config
target_metadata = target_metadata()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _unreferenced(connection) -> set[tuple]:
    """SQLite's rows whose reference finds no row: (table, rowid, table referred to)."""
    rows = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    return {(table, rowid, parent) for table, rowid, parent, _ in rows}


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it into a new one and dropping the old (batch
            # mode); with foreign keys enforced, dropping a table other rows refer to fails, so
            # an install with orders could not take a column added to them. Off while
            # migrating, as SQLite's own procedure for altering a table has it (outside any
            # transaction, where the pragma takes effect), and every reference checked after.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            before = _unreferenced(connection) if sqlite else set()
            context.run_migrations()
            if sqlite:
                broken = _unreferenced(connection) - before
                if broken:
                    raise RuntimeError(f"the migration left rows referring to none: {broken}")
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
