"""A fresh ledger database per test, on SQLite and on PostgreSQL, built like the app builds it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

import ledger


def ledger_engine(url: str) -> sa.Engine:
    """An engine configured the way ``market.db.make_engine`` configures the app's."""
    engine = sa.create_engine(url)
    ledger.configure_sqlite(engine, begin="BEGIN IMMEDIATE")
    with engine.begin() as connection:
        ledger.create_all(connection)
    return engine


@pytest.fixture
def engine(database_url):
    """Engine on a new database holding the ledger's tables and triggers."""
    engine = ledger_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine) -> sessionmaker[Session]:
    """Session factory; each unit of work commits on its own (``with sessions.begin()``)."""
    return sessionmaker(engine, expire_on_commit=False)


@pytest.fixture
def session(sessions):
    """One open transaction for the test, rolled back at the end."""
    with sessions() as session, session.begin():
        yield session
        session.rollback()
