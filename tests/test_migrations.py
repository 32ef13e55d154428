"""The Alembic history produces exactly the models' schema, and goes down and up cleanly."""

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
