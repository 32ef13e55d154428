"""Stripe's balance transactions in: the itemised balance CSV, and the API pulled page by page
from localstripe (which serves the shapes, not the fees) with the cursor guarded."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

import ledger
from market.db import utcnow
from market.errors import InvalidInput
from market.finance import matching, stripe_import
from market.finance.models import ReconException, StripeBalanceTransaction, StripeSync
from market.payments.gateway import StripeGateway
from tests.finance.generated import STRIPE_COLUMNS, stripe_csv, stripe_row

REPORT = [
    stripe_row("txn_1", "charge", 480_000, 14_040, source_id="ch_1", charge_id="ch_1",
               payment_intent_id="pi_1"),
    stripe_row("txn_2", "refund", -80_000, 0, source_id="re_1", charge_id="ch_1"),
    stripe_row("txn_3", "charge", 355_000, 10_650, source_id="ch_2",
               customer_facing_amount=50_000, customer_facing_currency="usd"),
    stripe_row("txn_4", "payout", -300_000, 0, source_id="po_1", created="2026-11-03 00:05:00"),
]  # fmt: skip


def count(db, model=StripeBalanceTransaction) -> int:
    return db.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_itemised_csv_is_imported_once(db):
    data = stripe_csv(REPORT)
    result = stripe_import.import_csv(db, data)
    db.commit()
    # The fees and the conversion of 2 November (UTC+8) in one entry; the payout in its own.
    assert (result.new, result.entries) == (4, 2)
    row = db.scalar(
        sa.select(StripeBalanceTransaction).where(StripeBalanceTransaction.stripe_id == "txn_3")
    )
    assert (row.amount, row.customer_facing_amount, row.customer_facing_currency) == (
        355_000, 50_000, "USD",
    )  # fmt: skip
    assert row.charge_id == "ch_2" and row.origin == "csv"
    again = stripe_import.import_csv(db, data)
    assert (again.new, again.unchanged, again.entries) == (0, 4, 0)


def test_a_line_of_a_category_the_books_do_not_know_is_shown_as_not_in_the_books(db):
    # Stripe adds categories; ¥100 of one the import books nothing for must not vanish.
    data = stripe_csv([stripe_row("txn_9", "climate_order", -10_000, 0, source_id="co_1")])
    assert stripe_import.import_csv(db, data).new == 1
    matching.run(db, utcnow())
    db.commit()
    line = db.scalar(
        sa.select(StripeBalanceTransaction).where(StripeBalanceTransaction.stripe_id == "txn_9")
    )
    found = db.scalars(
        sa.select(ReconException).where(ReconException.stripe_line_id == line.id)
    ).all()
    assert [(e.kind, e.amount_minor) for e in found] == [("missing_in_ledger", -10_000)]


BAD = {
    "missing column": (
        stripe_csv(REPORT, [c for c in STRIPE_COLUMNS if c != "fee"]),
        "file",
    ),
    "bad amount": (stripe_csv(REPORT).replace(b"4800.00", b"4800.0x"), "lines[2].gross"),
    "net is not gross less fee": (stripe_csv(REPORT).replace(b"4659.60", b"4659.61"), "lines[2].net"),
    "bad date": (stripe_csv(REPORT).replace(b"2026-11-03 00:05:00", b"03/11/2026"), "lines[5]."),
    "unknown currency": (stripe_csv(REPORT).replace(b",usd,", b",usx,"), "lines[4]."),
    "not utf-8": ("balance_transaction_id,金额".encode("gbk"), "file"),
    "extra cell": (stripe_csv(REPORT).replace(b"po_1", b"po_1,,,,,,,,,,,,"), "lines[5]"),
    "infinite amount": (stripe_csv(REPORT).replace(b"4800.00", b"Infinity"), "lines[2].gross"),
    "not a number": (stripe_csv(REPORT).replace(b"4800.00", b"NaN"), "lines[2].gross"),
    "line cut short": (
        stripe_csv(REPORT).replace(b"-3000.00,0.00,-3000.00,payout,po_1,,,,,,", b"-3000.00"),
        "lines[5].fee",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_report_names_the_line_and_imports_nothing(db, case):
    data, where = BAD[case]
    with pytest.raises(InvalidInput) as caught:
        stripe_import.import_csv(db, data)
    db.rollback()
    assert caught.value.field.startswith(where), caught.value.field
    assert count(db) == 0


@pytest.fixture
def gateway(stripe_url):
    """A gateway pointed at localstripe."""
    return StripeGateway("sk_test_shujiao", "pk_test_shujiao", api_base=stripe_url)


def charge(gateway, amount: int) -> str:
    """A succeeded card charge at localstripe; its charge id."""
    intent = gateway.create_intent(amount, "CNY", {}, str(uuid.uuid4()), ["card"])
    card = gateway.client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    return gateway.confirm_intent(intent.id, card.id).charge_id


def test_the_api_is_pulled_page_by_page_and_again_brings_only_what_is_new(app, gateway):
    database = app.extensions["db"]
    ours = {charge(gateway, 10_000 + n) for n in range(5)}
    pages = []
    first = stripe_import.pull(database, gateway, page_size=2, pause=0, progress=pages.append)
    assert first.outcome == "complete" and first.pages >= 3 and len(pages) == first.pages
    with database.unit_of_work() as session:
        found = set(session.scalars(sa.select(StripeBalanceTransaction.charge_id)))
        assert ours <= found
        total = count(session)
        newest = session.scalar(sa.select(sa.func.max(StripeBalanceTransaction.created)))
        of_newest_second = count(
            session,
            sa.select(StripeBalanceTransaction)
            .where(StripeBalanceTransaction.created == newest)
            .subquery(),
        )
    newer = charge(gateway, 20_000)
    second = stripe_import.pull(database, gateway, page_size=2, pause=0)
    # Lines of the newest known second are walked again (Stripe orders within a second freely),
    # then older lines only up to the first page wholly known: its two and at most one beside a
    # new line of that second (other tests' charges at the same localstripe, created during the
    # first pull). Nothing older than that.
    assert second.lines_new >= 1 and second.lines_known <= of_newest_second + 3
    with database.unit_of_work() as session:
        assert newer in set(session.scalars(sa.select(StripeBalanceTransaction.charge_id)))
        assert count(session) == total + second.lines_new


class ForgetfulCursor(StripeGateway):
    """Sends localstripe a cursor it does not know (as after Stripe lost or never had it); it
    answers, as the issue says, with the first page again."""

    def balance_transaction_page(self, limit=100, starting_after=None):
        return super().balance_transaction_page(limit, "txn_unknown" if starting_after else None)


def test_a_cursor_answered_with_the_first_page_again_ends_the_pull(app, stripe_url):
    database = app.extensions["db"]
    gateway = ForgetfulCursor("sk_test_shujiao", api_base=stripe_url)
    for amount in (30_000, 30_001, 30_002):
        charge(gateway, amount)
    run = stripe_import.pull(database, gateway, page_size=2, pause=0)
    assert run.outcome == "stopped: Stripe returned a page already seen (cursor loop)"
    assert run.pages == 1 and run.finished_at is not None
    with database.unit_of_work() as session:
        assert count(session) == 2


def test_an_unfinished_pull_resumes_after_its_cursor(app, gateway):
    database = app.extensions["db"]
    for amount in (40_000, 40_001, 40_002):
        charge(gateway, amount)
    newest, _more = gateway.balance_transaction_page(1)
    with database.unit_of_work() as session:
        session.add(StripeSync(cursor=newest[0]["id"], started_at=utcnow()))
    run = stripe_import.pull(database, gateway, page_size=100, pause=0)
    with database.unit_of_work() as session:
        ids = set(session.scalars(sa.select(StripeBalanceTransaction.stripe_id)))
        assert newest[0]["id"] not in ids  # resumed after it, not from the top
        assert len(ids) == run.lines_new > 0
        assert session.scalar(sa.select(sa.func.count()).select_from(StripeSync)) == 1


def close_early_november(db) -> None:
    """Close 1–2 November (UTC+8), which holds the report's first three lines."""
    ledger.create_period(
        db,
        "2026-11a",
        datetime(2026, 10, 31, 16, tzinfo=UTC),
        datetime(2026, 11, 2, 16, tzinfo=UTC),
    )
    ledger.request_close(db, "2026-11a", requested_by="finance a")
    ledger.close_period(db, "2026-11a", closed_by="finance b")
    db.commit()


def test_a_report_overlapping_a_closed_period_keeps_its_known_lines(db):
    stripe_import.import_csv(db, stripe_csv(REPORT))
    db.commit()
    close_early_november(db)
    assert stripe_import.import_csv(db, stripe_csv(REPORT)).unchanged == 4
    later = stripe_row(
        "txn_5", "charge", 1_000, 35, source_id="ch_5", created="2026-11-03 02:00:00"
    )
    result = stripe_import.import_csv(db, stripe_csv([*REPORT, later]))
    db.commit()
    assert (result.new, result.unchanged) == (1, 4)


@pytest.mark.parametrize(
    "row",
    [
        stripe_row("txn_6", "charge", 1_000, 35, source_id="ch_6"),
        stripe_row("txn_1", "charge", 480_000, 14_000, source_id="ch_1", charge_id="ch_1",
                   payment_intent_id="pi_1"),
    ],
    ids=["new", "changed"],
)  # fmt: skip
def test_a_new_or_changed_line_in_a_closed_period_is_refused_by_its_line(db, row):
    stripe_import.import_csv(db, stripe_csv(REPORT))
    db.commit()
    close_early_november(db)
    with pytest.raises(InvalidInput) as caught:
        stripe_import.import_csv(db, stripe_csv([row, *REPORT[1:]]))
    db.rollback()
    assert caught.value.field == "lines[2].created_utc"
    assert count(db) == 4


def test_a_pull_refuses_a_new_line_in_a_closed_period_by_its_id(app, gateway):
    import time
    from datetime import timedelta

    database = app.extensions["db"]
    ends = utcnow() + timedelta(seconds=3)
    with database.unit_of_work() as session:
        ledger.create_period(session, "pull-closed", ends - timedelta(days=2), ends)
    charge(gateway, 50_000)
    time.sleep(max(0.0, (ends - utcnow()).total_seconds()) + 0.5)
    with database.unit_of_work() as session:
        ledger.request_close(session, "pull-closed", requested_by="finance a")
        ledger.close_period(session, "pull-closed", closed_by="finance b")
    with pytest.raises(InvalidInput) as caught:
        stripe_import.pull(database, gateway, page_size=10, pause=0)
    assert caught.value.field.startswith("lines.txn_") and caught.value.field.endswith(".created")
    with database.unit_of_work() as session:
        assert count(session) == 0
