"""Closed periods: nothing more is effective inside them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

import ledger
from ledger import errors
from tests.ledger.helpers import capture, counts

JANUARY = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC))
IN_JANUARY = datetime(2025, 1, 15, 12, tzinfo=UTC)


@pytest.fixture
def closed_january(session):
    entry = capture(session, 1, 100, effective_at=IN_JANUARY)
    ledger.create_period(session, "2025-01", *JANUARY)
    ledger.request_close(session, "2025-01", requested_by="first@example.cn")
    ledger.close_period(session, "2025-01", closed_by="finance@example.cn")
    return entry


def test_posting_into_a_closed_period_is_refused(session, closed_january):
    before = counts(session)
    with pytest.raises(errors.PeriodClosed) as caught:
        capture(session, 2, 100, effective_at=IN_JANUARY)
    assert (caught.value.code, caught.value.field) == ("period_closed", "effective_at")
    assert caught.value.details["period"] == "2025-01"
    assert counts(session) == before


@pytest.mark.parametrize(
    "when",
    [datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC), JANUARY[1], datetime.now(UTC)],
    ids=["before", "end is exclusive", "now"],
)
def test_dates_outside_the_closed_period_are_open(session, closed_january, when):
    capture(session, 2, 100, effective_at=when)


def test_corrections_are_reversals_dated_in_an_open_period(session, closed_january):
    reversal = ledger.reverse(session, closed_january.id, "fix")
    assert reversal.effective_at > JANUARY[1]
    later = capture(session, 2, 100)
    with pytest.raises(errors.PeriodClosed):
        ledger.reverse(session, later.id, "fix-2", effective_at=IN_JANUARY)


def test_closing_is_final(session, closed_january):
    with pytest.raises(errors.InvalidPeriod):
        ledger.close_period(session, "2025-01", closed_by="someone")
    with pytest.raises(sa.exc.IntegrityError, match="append-only"):
        session.execute(sa.text("UPDATE ledger_periods SET status = 'open'"))


def test_periods_do_not_overlap(session):
    ledger.create_period(session, "2025-01", *JANUARY)
    assert ledger.create_period(session, "2025-01", *JANUARY).name == "2025-01"
    with pytest.raises(errors.InvalidPeriod):
        ledger.create_period(session, "odd", datetime(2025, 1, 20, tzinfo=UTC), JANUARY[1])
    with pytest.raises(errors.InvalidPeriod):
        ledger.create_period(session, "empty", JANUARY[1], JANUARY[0])
    with pytest.raises(errors.PeriodNotFound):
        ledger.close_period(session, "2030-01", closed_by="x")


def test_the_database_refuses_an_entry_in_a_closed_period(engine, sessions):
    with sessions.begin() as session:
        ledger.create_period(session, "2025-01", *JANUARY)
        ledger.request_close(session, "2025-01", requested_by="first")
        ledger.close_period(session, "2025-01", closed_by="finance")
    with (
        engine.connect() as connection,
        pytest.raises(sa.exc.IntegrityError, match="period closed"),
        connection.begin(),
    ):
        connection.execute(
            sa.text(
                "INSERT INTO ledger_entries (id, idempotency_key, request_hash, description,"
                " effective_at, recorded_at, posting_count, metadata)"
                " VALUES (1, 'raw', '', '', :t, :t, 2, '{}')"
            ),
            {"t": _raw_time(connection, IN_JANUARY)},
        )


def _raw_time(connection, value):
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if connection.dialect.name == "sqlite" else value


def test_a_period_that_has_not_ended_cannot_be_closed(session):
    now = datetime.now(UTC)
    ledger.create_period(session, "current", now - timedelta(days=1), now + timedelta(days=1))
    ledger.create_period(session, "future", now + timedelta(days=2), now + timedelta(days=30))
    for name in ("current", "future"):
        with pytest.raises(errors.InvalidPeriod, match="has not ended"):
            ledger.request_close(session, name, requested_by="first")
    # Even with a request recorded while the clock said otherwise, approval checks again.
    ledger.request_close(session, "future", requested_by="first", now=now + timedelta(days=31))
    with pytest.raises(errors.InvalidPeriod, match="has not ended"):
        ledger.close_period(session, "future", closed_by="second")
    capture(session, 1, 100, effective_at=now)
    assert [p.status for p in ledger.list_periods(session)] == ["open", "open"]


def test_closing_takes_a_second_person(session):
    ledger.create_period(session, "2025-01", *JANUARY)
    with pytest.raises(errors.InvalidPeriod, match="not been requested"):
        ledger.close_period(session, "2025-01", closed_by="first")
    requested = ledger.request_close(session, "2025-01", requested_by="first")
    assert (requested.status, requested.close_requested_by) == ("open", "first")
    with pytest.raises(errors.InvalidPeriod, match="someone other") as caught:
        ledger.close_period(session, "2025-01", closed_by="first")
    assert caught.value.field == "closed_by"
    closed = ledger.close_period(session, "2025-01", closed_by="second")
    assert (closed.status, closed.closed_by, closed.close_requested_by) == (
        "closed",
        "second",
        "first",
    )
