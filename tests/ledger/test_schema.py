"""The migration builds exactly what ``ledger.ddl.create_all`` builds, and removes it again."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations

import ledger
from ledger.ddl import expected_triggers
from ledger.models import metadata

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0002_ledger.py"


def _migration():
    spec = importlib.util.spec_from_file_location("ledger_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(engine, step):
    with engine.begin() as connection:
        context = MigrationContext.configure(connection)
        with Operations.context(context):
            step()


def _triggers(connection) -> set[str]:
    if connection.dialect.name == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    return set(connection.exec_driver_sql(query).scalars())


def test_revision_chain():
    module = _migration()
    assert (module.revision, module.down_revision) == ("0002_ledger", "0001_foundation")


def test_migration_matches_the_models_and_ddl(database_url):
    engine = sa.create_engine(database_url)
    try:
        _upgrade_compare_downgrade(engine)
    finally:
        engine.dispose()


def _later_ledger_columns():
    # Columns later revisions add to the ledger's tables (0007_hardening: a period's close is
    # requested by one finance user and approved by another).
    op.add_column("ledger_periods", sa.Column("close_requested_at", sa.DateTime(timezone=True)))
    op.add_column("ledger_periods", sa.Column("close_requested_by", sa.String(length=200)))


def _drop_later_ledger_columns():
    op.drop_column("ledger_periods", "close_requested_by")
    op.drop_column("ledger_periods", "close_requested_at")


def _upgrade_compare_downgrade(engine):
    module = _migration()
    _run(engine, module.upgrade)
    _run(engine, _later_ledger_columns)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
        assert _triggers(connection) == set(expected_triggers(engine.dialect.name))

    _run(engine, _drop_later_ledger_columns)
    _run(engine, module.downgrade)
    with engine.connect() as connection:
        assert sa.inspect(connection).get_table_names() == []
        assert _triggers(connection) == set()
        if engine.dialect.name == "postgresql":
            functions = connection.execute(
                sa.text("SELECT count(*) FROM pg_proc WHERE proname LIKE 'ledger_%'")
            ).scalar()
            assert functions == 0


def test_migration_statements_are_the_ddl_module_statements():
    module = _migration()
    assert tuple(s.strip() for s in module.POSTGRESQL) == tuple(
        s.strip() for s in ledger.ddl.POSTGRESQL
    )
    assert tuple(s.strip() for s in module.SQLITE) == tuple(s.strip() for s in ledger.ddl.SQLITE)
