"""Compiled SQL is shared by the engines of a process whose dialects write the same SQL: a
second database's engine runs the first one's statements, queries and flushes alike, without
compiling them again; a dialect set up otherwise compiles its own."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event

from market.db import STATEMENTS, CompiledStatements, Database, dialect_settings, make_engine
from market.identity.models import User


def _cache_outcomes(engine: sa.Engine) -> list[str]:
    """How each statement ``engine`` runs from here on was had: compiled or from a cache."""
    outcomes: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def record(_connection, _cursor, statement, _parameters, context, _many):
        if context is not None and context.compiled is not None:
            outcomes.append(context.cache_hit.name)

    return outcomes


def _add_and_read(database: Database, email: str) -> list[str]:
    with database.unit_of_work() as session:
        session.add(User(email=email, email_key=email, name="Li Lei", password_hash="x"))
    with database.unit_of_work() as session:
        return list(session.scalars(sa.select(User.email).where(User.email_key == email)))


def test_a_second_engine_runs_the_first_ones_statements_without_compiling_them(
    database_url, make_database_url
):
    kind = sa.make_url(database_url).get_backend_name()
    first, second = Database(database_url), Database(make_database_url(kind))
    for database in (first, second):
        User.__table__.create(database.engine)
    try:
        assert _add_and_read(first, "first@example.cn") == ["first@example.cn"]
        outcomes = _cache_outcomes(second.engine)
        assert _add_and_read(second, "second@example.cn") == ["second@example.cn"]
        assert "CACHE_MISS" not in outcomes
        assert "CACHE_HIT" in outcomes  # the INSERT of the flush and the SELECT
        assert dialect_settings(first.engine.dialect) == dialect_settings(second.engine.dialect)
    finally:
        first.dispose()
        second.dispose()


def test_a_dialect_set_up_otherwise_compiles_its_own(tmp_path):
    plain = make_engine(f"sqlite:///{tmp_path / 'plain.sqlite3'}")
    other = make_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}", label_length=20)
    statement = sa.select(User.__table__.c.email_key.label("a_label_longer_than_twenty"))
    try:
        for engine in (plain, other):
            User.__table__.create(engine)
        with plain.connect() as connection:
            connection.execute(statement).all()
        outcomes = _cache_outcomes(other)
        with other.connect() as connection:
            assert connection.execute(statement).keys() == ["a_label_longer_than_twenty"]
        assert outcomes == ["CACHE_MISS"]
        assert dialect_settings(plain.dialect) != dialect_settings(other.dialect)
    finally:
        plain.dispose()
        other.dispose()


def test_a_dialect_setting_that_cannot_be_compared_keeps_the_dialect_to_itself(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    engine.dialect.unusual_setting = ["unhashable"]
    assert dialect_settings(engine.dialect) == (engine.dialect,)
    engine.dispose()


def test_the_cache_forgets_the_least_recently_used_statement_beyond_its_capacity():
    cache = CompiledStatements(2)
    cache["a"], cache["b"] = 1, 2
    assert cache["a"] == 1
    cache["c"] = 3
    assert dict(cache) == {"a": 1, "c": 3}
    assert cache.get("b") is None
    # SQLAlchemy's own size for an engine's cache (``query_cache_size``), as production had.
    assert STATEMENTS.capacity == 500
