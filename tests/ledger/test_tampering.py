"""The database itself refuses tampering, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import ledger
from tests.ledger.helpers import capture, escrow, settle


@pytest.fixture
def books(sessions):
    """A small committed, sealed history: a payment and its settlement."""
    with sessions.begin() as session:
        capture(session, 1, 10_000)
        settle(session, 1, 7, 6_000, 300)
        ledger.seal_chain(session)


def _refused(engine, statement: str, match: str, params: dict | None = None) -> None:
    with (
        engine.connect() as connection,
        pytest.raises(sa.exc.IntegrityError, match=match),
        connection.begin(),
    ):
        connection.execute(sa.text(statement), params or {})


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_postings SET amount = amount + 1",
        "UPDATE ledger_postings SET account_id = account_id WHERE entry_id = 1",
        "DELETE FROM ledger_postings",
        "DELETE FROM ledger_postings WHERE entry_id = 2 AND leg = 3",
        "UPDATE ledger_entries SET description = 'nothing to see'",
        "DELETE FROM ledger_entries WHERE id = 2",
        "UPDATE ledger_chain_links SET hash = prev_hash",
        "DELETE FROM ledger_chain_links",
        "DELETE FROM ledger_accounts WHERE code = 'revenue:platform_fees'",
        "UPDATE ledger_accounts SET currency = 'USD' WHERE code = 'revenue:platform_fees'",
        "UPDATE ledger_accounts SET normal_side = 'debit' WHERE code = 'revenue:platform_fees'",
    ],
)
def test_history_cannot_be_changed(engine, books, statement):
    _refused(engine, statement, "append-only")


@pytest.mark.parametrize("table", ["ledger_postings", "ledger_entries", "ledger_chain_links"])
def test_truncate_is_refused_on_postgresql(engine, books, table):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (its DELETE is refused above)")
    _refused(engine, f"TRUNCATE {table} CASCADE", "append-only")


def _time(connection):
    value = "2025-01-01 00:00:00.000000"
    return value if connection.dialect.name == "sqlite" else value + "+00"


def _insert_entry(connection, entry_id, postings, count=None):
    for leg, (account, amount) in enumerate(postings, start=1):
        connection.execute(
            sa.text(
                "INSERT INTO ledger_postings (entry_id, leg, account_id, currency, amount,"
                " effective_at) VALUES (:e, :leg, :a, 'CNY', :amount, :t)"
            ),
            {"e": entry_id, "leg": leg, "a": account, "amount": amount, "t": _time(connection)},
        )
    if count != 0:
        connection.execute(
            sa.text(
                "INSERT INTO ledger_entries (id, idempotency_key, request_hash, description,"
                " effective_at, recorded_at, posting_count, metadata)"
                " VALUES (:e, :k, '', 'raw', :t, :t, :n, '{}')"
            ),
            {
                "e": entry_id,
                "k": f"raw-{entry_id}",
                "t": _time(connection),
                "n": count or len(postings),
            },
        )


def _ids(engine):
    with engine.connect() as connection:
        return dict(connection.execute(sa.text("SELECT code, id FROM ledger_accounts")).all())


@pytest.mark.parametrize(
    ("postings", "count", "match"),
    [
        ([("clearing", 100), ("fees", -99)], None, "balance"),
        ([("clearing", 100)], None, "posting_count|postings"),
        ([("clearing", 100), ("fees", -100)], 3, "balance|postings"),
        ([("clearing", 100), ("fees", -100)], 0, "FOREIGN KEY|foreign key"),
    ],
    ids=["unbalanced", "one leg", "count mismatch", "postings without entry"],
)
def test_unbalanced_or_incomplete_inserts_are_refused(engine, books, postings, count, match):
    ids = _ids(engine)
    accounts = {"clearing": ids["assets:stripe_clearing"], "fees": ids["revenue:platform_fees"]}
    with (
        engine.connect() as connection,
        pytest.raises(sa.exc.IntegrityError, match=match),
        connection.begin(),
    ):
        _insert_entry(connection, 100, [(accounts[a], amount) for a, amount in postings], count)


def test_a_sealed_entry_takes_no_more_postings(engine, books):
    ids = _ids(engine)
    with (
        engine.connect() as connection,
        pytest.raises(sa.exc.IntegrityError, match="sealed"),
        connection.begin(),
    ):
        connection.execute(
            sa.text(
                "INSERT INTO ledger_postings (entry_id, leg, account_id, currency, amount,"
                " effective_at) VALUES (1, 3, :a, 'CNY', 5, :t)"
            ),
            {"a": ids["assets:stripe_clearing"], "t": _time(connection)},
        )


def test_a_posting_in_another_currency_than_its_account_is_refused(engine, books):
    ids = _ids(engine)
    with (
        engine.connect() as connection,
        pytest.raises(sa.exc.IntegrityError),
        connection.begin(),
    ):
        _insert_entry(connection, 100, [(ids["assets:stripe_clearing"], 1)], 0)
        connection.execute(
            sa.text(
                "INSERT INTO ledger_postings (entry_id, leg, account_id, currency, amount,"
                " effective_at) VALUES (100, 2, :a, 'USD', -1, :t)"
            ),
            {"a": ids["revenue:platform_fees"], "t": _time(connection)},
        )


def test_crossing_a_balance_limit_is_refused_by_the_database(engine, books):
    _refused(
        engine,
        "UPDATE ledger_accounts SET debits_posted = debits_posted + 4001 WHERE code = :code",
        "lower_limit",
        {"code": escrow(1)},
    )


def test_a_balanced_raw_entry_is_accepted(engine, books):
    """The triggers refuse only what breaks an invariant (this is the control case)."""
    ids = _ids(engine)
    with engine.connect() as connection, connection.begin():
        _insert_entry(
            connection,
            100,
            [(ids["assets:stripe_clearing"], 100), (ids["revenue:platform_fees"], -100)],
        )
