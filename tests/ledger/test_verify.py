"""The checker re-derives everything and names precisely what is off."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import ledger
import ledger.reads
from ledger.verify import verify
from tests.ledger.helpers import capture, escrow, settle


@pytest.fixture
def books(sessions):
    with sessions.begin() as session:
        capture(session, 1, 10_000)
        settle(session, 1, 7, 10_000, 300)
        capture(session, 2, 5_000)
        held = ledger.hold(
            session,
            "h",
            debit=escrow(2),
            credit="liabilities:provider_payable:org:8",
            amount=1_000,
            currency="CNY",
        )
        ledger.post_hold(session, held.id, "hp", amount=600)
        ledger.seal_chain(session)


def _verify(sessions, **kwargs):
    with sessions() as session:
        return verify(session, **kwargs)


def _tamper(engine, statement, table):
    """Tamper the way an attacker with DDL rights would: switch the guard off first."""
    with engine.connect() as connection, connection.begin():
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            connection.exec_driver_sql(statement)
            connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        else:
            connection.exec_driver_sql(f"DROP TRIGGER {table}_no_update")
            connection.exec_driver_sql(statement)


def test_clean_books_verify(sessions, books):
    report = _verify(sessions, settled_escrows=[escrow(1)])
    assert report.ok, report.format()
    assert report.checked["entries"] == 4 and report.checked["chain links"] == 4
    assert "all invariants hold" in report.format()


def test_an_altered_posting_breaks_balance_totals_and_chain(engine, sessions, books):
    _tamper(
        engine,
        "UPDATE ledger_postings SET amount = 9999 WHERE entry_id = 1 AND leg = 1",
        "ledger_postings",
    )

    report = _verify(sessions)
    found = {f.invariant: f for f in report.findings}
    assert not report.ok
    assert found["entry_balanced"].subject == "entry 1 (CNY)"
    assert found["entry_balanced"].found == "-1"
    stored = found["stored_balance"]
    assert stored.subject == "account assets:stripe_clearing (CNY)"
    assert "debits 14999" in stored.expected and "debits 15000" in stored.found
    assert found["trial_balance"].found == "difference -1"
    assert found["hash_chain"].subject == "link 1 (entry 1)"
    assert found["hash_chain"].detail == "entry content changed"
    if engine.dialect.name == "sqlite":
        assert found["database"].subject == "trigger ledger_postings_no_update"


def test_a_changed_description_breaks_the_chain_at_that_link(engine, sessions, books):
    _tamper(engine, "UPDATE ledger_entries SET description = 'x' WHERE id = 3", "ledger_entries")

    report = _verify(sessions)
    chain = [f for f in report.findings if f.invariant == "hash_chain"]
    assert [f.subject for f in chain] == ["link 3 (entry 3)"]


def test_stored_totals_drifting_from_postings_are_named(engine, sessions, books):
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE ledger_accounts SET credits_posted = credits_posted + 5 WHERE code = :c"
            ),
            {"c": escrow(2)},
        )
    report = _verify(sessions)
    assert [(f.invariant, f.subject) for f in report.findings] == [
        ("stored_balance", f"account {escrow(2)} (CNY)")
    ]
    assert "credits 5000" in report.findings[0].expected
    assert "credits 5005" in report.findings[0].found


def test_an_unsettled_escrow_is_reported(sessions, books):
    report = _verify(sessions, settled_escrows=[escrow(1), escrow(2)])
    assert [(f.invariant, f.subject) for f in report.findings] == [
        ("escrow_settled", f"account {escrow(2)} (CNY)")
    ]


def test_unsealed_entries_are_counted_not_failed(sessions, books):
    with sessions.begin() as session:
        capture(session, 3, 1)
    report = _verify(sessions)
    assert report.ok and report.checked["entries awaiting seal"] == 1
    with sessions.begin() as session:
        assert ledger.seal_chain(session) == 1
    assert _verify(sessions).checked["chain links"] == 5


def test_trial_balance_is_zero_per_currency(sessions, books):
    with sessions() as session:
        tb = ledger.reads.trial_balance(session)
        derived = ledger.reads.trial_balance(session, source="postings")
    assert tb.balanced and tb.totals == {"CNY": (15_000, 15_000)}
    assert derived.rows == tb.rows
    assert "ok" in tb.format().splitlines()[-1]
