"""The Alembic history produces exactly the models' schema, and goes down and up cleanly."""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from market import migrate
from market.db import make_engine
from market.migrate import target_metadata


def _differences(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, target_metadata())
    engine.dispose()
    return differences


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    names = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_migrations_match_the_models(database_url):
    migrate.upgrade(database_url)
    assert _differences(database_url) == []


def test_downgrade_removes_everything_and_upgrade_restores_it(database_url):
    migrate.upgrade(database_url)
    migrate.downgrade(database_url, "base")
    assert _tables(database_url) <= {"alembic_version"}
    migrate.upgrade(database_url)
    assert _differences(database_url) == []


def _filler(column: sa.Column):
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer | sa.Numeric):
        return 1
    if isinstance(kind, sa.DateTime | sa.Date):
        return datetime(2026, 1, 1, tzinfo=UTC)
    if isinstance(kind, sa.JSON):
        return {}
    return "x"


def _row(connection, table: sa.Table, **given) -> None:
    values = {
        column.name: _filler(column)
        for column in table.columns
        if not column.nullable and column.server_default is None
    }
    connection.execute(table.insert().values({**values, **given}))


def test_an_install_with_orders_takes_a_column_added_to_them(make_database_url):
    # SQLite adds a column by copying the table and dropping the old one: with foreign keys
    # enforced, dropping trading_orders, which entitlements refer to, failed, and an install
    # with orders could not upgrade past the migration that adds ``outbound``.
    url = make_database_url("sqlite")
    migrate.upgrade(url, "0030_synonym_unfound_terms")
    engine = make_engine(url)
    tables = sa.MetaData()
    tables.reflect(engine, only=["trading_orders", "trading_entitlements"])
    with engine.connect() as connection:
        # no organisation, listing or plan behind them: outside a transaction, references off
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        _row(connection, tables.tables["trading_orders"], id=7)
        _row(connection, tables.tables["trading_entitlements"], id=3, order_id=7)
        connection.commit()
    engine.dispose()
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        kept = connection.exec_driver_sql("SELECT id, outbound FROM trading_orders").all()
        entitled = connection.exec_driver_sql("SELECT order_id FROM trading_entitlements").all()
    engine.dispose()
    assert [tuple(row) for row in kept] == [(7, False)]
    assert [tuple(row) for row in entitled] == [(7,)]


def test_plans_saved_with_the_generated_default_name_store_none(database_url):
    # Before 0032 a plan left unnamed was stored under its kind's name in Simplified Chinese
    # and English, which then showed in Simplified on Traditional pages.
    migrate.upgrade(database_url, "0032_plan_names_optional")
    engine = make_engine(database_url)
    tables = sa.MetaData()
    tables.reflect(engine, only=["listing_plans"])
    plans = tables.tables["listing_plans"]
    named = {
        1: ("one_time", "一次性授权", "One-time licence"),
        2: ("subscription", "订阅", "Subscription"),
        3: ("usage_package", "预付费调用包", "Prepaid usage package"),
        4: ("one_time", "一次性授权", "Full archive"),  # named in English only
        5: ("subscription", "一次性授权", "One-time licence"),  # another kind's default: own
        6: ("one_time", "全量数据", "Full data"),
    }
    with engine.connect() as connection:
        # no revision behind them: outside a transaction, references off
        if engine.dialect.name == "sqlite":
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        else:
            connection.exec_driver_sql("SET session_replication_role = replica")
        for id_, (kind, zh, en) in named.items():
            _row(connection, plans, id=id_, kind=kind, name_zh=zh, name_en=en)
        connection.commit()
    engine.dispose()
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT id, name_zh, name_en FROM listing_plans ORDER BY id"
        ).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [
        (1, None, None),
        (2, None, None),
        (3, None, None),
        (4, None, "Full archive"),
        (5, "一次性授权", "One-time licence"),
        (6, "全量数据", "Full data"),
    ]
